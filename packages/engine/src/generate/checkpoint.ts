import { type ModelConfig, readModelConfig } from "../config/model.js";
import type { RuntimeOptions } from "../runtime/session.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bestCheckpoint, latestCheckpoint, loadCheckpoint } from "../train/checkpoint.js";
import { Generator } from "./generator.js";

/** A run folder means its best checkpoint (else its latest); a checkpoint folder means itself. */
export function resolveCheckpoint(dir: string): string {
  if (existsSync(join(dir, "model.safetensors"))) return dir;
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
 * A checkpoint folder's model: weights from model.safetensors, the architecture from the engine metadata's `model`
 * (the resolved config every checkpoint stores, pretraining's and post-training's alike).
 */
export function readCheckpointModel(dir: string): CheckpointModel {
  const ckpt = loadCheckpoint(dir);
  const model = readModelConfig((ckpt.config as { model?: unknown } | null)?.model, `checkpoint ${dir}`);
  const weights = Object.fromEntries(
    Object.entries(ckpt.weights).map(([k, t]) => [k, t.data as Float32Array]),
  );
  return { model, weights, tokenizerJson: ckpt.tokenizerJson };
}

/** A Generator for a checkpoint folder. */
export function generatorFromCheckpoint(
  dir: string,
  runtime?: RuntimeOptions,
): { generator: Generator; tokenizerJson?: string } {
  const { model, weights, tokenizerJson } = readCheckpointModel(dir);
  return { generator: new Generator(model, weights, runtime), tokenizerJson };
}
