import { readModelConfig } from "../config/model.js";
import type { RuntimeOptions } from "../runtime/session.js";
import { loadCheckpoint } from "../train/checkpoint.js";
import { Generator } from "./generator.js";

/**
 * A Generator for a checkpoint folder: weights from model.safetensors, the architecture from config.json's
 * `model` (the resolved config every checkpoint writes, pretraining's and post-training's alike).
 */
export function generatorFromCheckpoint(
  dir: string,
  runtime?: RuntimeOptions,
): { generator: Generator; tokenizerJson?: string } {
  const ckpt = loadCheckpoint(dir);
  const model = readModelConfig((ckpt.config as { model?: unknown } | null)?.model, `checkpoint ${dir}`);
  const weights = Object.fromEntries(
    Object.entries(ckpt.weights).map(([k, t]) => [k, t.data as Float32Array]),
  );
  return { generator: new Generator(model, weights, runtime), tokenizerJson: ckpt.tokenizerJson };
}
