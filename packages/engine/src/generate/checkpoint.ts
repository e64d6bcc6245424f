import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ModelConfig } from "../config/model.js";
import { HF_FILES, loadModelFolder } from "../hf/folder.js";
import type { RuntimeOptions } from "../runtime/session.js";
import { bestCheckpoint, latestCheckpoint } from "../train/checkpoint.js";
import { Generator } from "./generator.js";

/** A run folder means its best checkpoint (else its latest); a checkpoint folder means itself. */
export function resolveCheckpoint(dir: string): string {
  if (existsSync(join(dir, HF_FILES.weights)) || existsSync(join(dir, HF_FILES.config))) return dir;
  const found = bestCheckpoint(dir) ?? latestCheckpoint(dir);
  if (!found) throw new Error(`${dir} is neither a checkpoint nor a run folder with checkpoints`);
  return found.dir;
}

export interface CheckpointModel {
  model: ModelConfig;
  weights: Record<string, Float32Array>;
  /** absent for runs trained on raw bytes (ids 0..255) */
  tokenizerJson?: string;
}

/**
 * A model folder's model: an engine checkpoint (pretraining's and post-training's alike) or a folder saved by
 * Hugging Face `transformers` (src/hf/folder.ts).
 */
export function readCheckpointModel(dir: string): CheckpointModel {
  const { model, weights, tokenizerJson } = loadModelFolder(dir);
  return {
    model,
    weights: Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, t.data as Float32Array])),
    tokenizerJson,
  };
}

/** A Generator for a checkpoint folder. */
export function generatorFromCheckpoint(
  dir: string,
  runtime?: RuntimeOptions,
): { generator: Generator; tokenizerJson?: string } {
  const { model, weights, tokenizerJson } = readCheckpointModel(dir);
  return { generator: new Generator(model, weights, runtime), tokenizerJson };
}
