import type { ModelConfig } from "../config/model.js";
import { toOnnx } from "../onnx/lower.js";
import { buildCachedGraph } from "./inference.js";

/** model.onnx for a checkpoint: the one-token decode graph with the weights inside (see inference.ts for its I/O). */
export function exportInferenceModel(
  cfg: ModelConfig,
  weights: Record<string, Float32Array>,
): Uint8Array | undefined {
  if (cfg.attention !== "causal") return undefined;
  return toOnnx(buildCachedGraph(cfg, weights, 1), "rlhf-engine");
}
