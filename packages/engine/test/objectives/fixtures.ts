/** Reads the PyTorch reference values written by scripts/torch/objectives.py. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export function loadFixture(name: string): any {
  const url = new URL(`../../fixtures/objectives/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), "utf8"));
}

/** A [rows, cols] fixture tensor as nested arrays. */
export function rows(t: FixtureTensor): number[][] {
  const [n, m] = t.shape;
  return Array.from({ length: n }, (_, i) => t.data.slice(i * m, (i + 1) * m));
}
