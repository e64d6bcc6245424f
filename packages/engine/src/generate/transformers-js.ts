/**
 * The transformers.js export: a folder that `pipeline("text-generation", dir)` of @huggingface/transformers loads,
 * in Node (onnxruntime-node) and in the browser (onnxruntime-web):
 *   onnx/model.onnx          the decoder with Hugging Face's input and output names (hf-decoder.ts), weights inside
 *   config.json, generation_config.json, tokenizer_config.json (with the chat template): src/hf's files
 *   tokenizer.json           the checkpoint's tokenizer (a byte-level one for runs trained on raw bytes)
 * The same function serves pretraining and post-training checkpoints (and folders saved by `transformers`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { HF_SCORE_HEAD } from "../hf/config.js";
import { HF_FILES, hfModelFiles } from "../hf/folder.js";
import { byteLevelTokenizer, loadTokenizer } from "../tokenizer/index.js";
import { readCheckpointModel } from "./checkpoint.js";
import { hfDecoderOnnx } from "./hf-decoder.js";

export const TRANSFORMERS_JS_ONNX = "onnx/model.onnx";

/** Writes the transformers.js folder for the checkpoint at `checkpointDir` into `outDir`; returns the files' paths. */
export function exportTransformersJs(checkpointDir: string, outDir: string): string[] {
  const { model, weights, tokenizerJson } = readCheckpointModel(checkpointDir);
  if (model.attention !== "causal")
    throw new Error(
      `export: ${checkpointDir} is a masked-LM encoder; transformers.js text generation needs a causal model`,
    );
  if (HF_SCORE_HEAD in weights)
    throw new Error(
      `export: ${checkpointDir} is a reward or value model (it has ${HF_SCORE_HEAD}); text generation needs a language model`,
    );
  // runs trained on raw bytes use ids 0..255, which the byte-level vocabulary without special tokens reproduces
  const tokenizer = tokenizerJson ?? byteLevelTokenizer([]).toJSON();
  const vocab = loadTokenizer(tokenizer).vocabSize;
  if (vocab > model.vocabSize)
    throw new Error(
      `export: ${checkpointDir}: the tokenizer has ${vocab} ids but the model only ${model.vocabSize}`,
    );
  const contents: Record<string, string | Uint8Array> = {
    [TRANSFORMERS_JS_ONNX]: hfDecoderOnnx(model, weights),
    ...hfModelFiles(model, { tokenizerJson: tokenizer }),
    [HF_FILES.tokenizer]: tokenizer,
  };
  return Object.entries(contents).map(([file, data]) => {
    const path = join(outDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    return path;
  });
}
