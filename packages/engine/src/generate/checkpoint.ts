import { ModelConfigSchema } from "../config/model.js";
import { loadCheckpoint } from "../train/checkpoint.js";
import type { PretrainCheckpointConfig } from "../train/loop.js";
import type { RuntimeOptions } from "../runtime/session.js";
import { Generator } from "./generator.js";

/** A Generator for a checkpoint folder (weights from model.safetensors, architecture from config.json). */
export function generatorFromCheckpoint(dir: string, runtime?: RuntimeOptions): { generator: Generator; tokenizerJson?: string } {
  const ckpt = loadCheckpoint(dir);
  const config = ckpt.config as PretrainCheckpointConfig;
  const model = ModelConfigSchema.parse(config.run?.model ?? {});
  const weights = Object.fromEntries(Object.entries(ckpt.weights).map(([k, t]) => [k, t.data as Float32Array]));
  return { generator: new Generator(model, weights, runtime), tokenizerJson: ckpt.tokenizerJson };
}
