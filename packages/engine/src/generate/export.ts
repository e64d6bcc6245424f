import type { ModelConfig } from "../config/model.js";
import { hfDecoderOnnx } from "./hf-decoder.js";

/** A checkpoint's model.onnx: the Hugging Face-style decoder graph (hf-decoder.ts), or none for an encoder. */
export function exportInferenceModel(
  cfg: ModelConfig,
  weights: Record<string, Float32Array>,
): Uint8Array | undefined {
  if (cfg.attention !== "causal") return undefined;
  return hfDecoderOnnx(cfg, weights);
}
