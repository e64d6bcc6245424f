/**
 * The transformers.js export: a folder that `pipeline("text-generation", dir)` of @huggingface/transformers loads,
 * in Node (onnxruntime-node) and in the browser (onnxruntime-web):
 *   onnx/model.onnx          the decoder with Hugging Face's input and output names (hf-decoder.ts), weights inside
 *   config.json              Hugging Face config (model_type gpt2 or llama, sizes, special token ids)
 *   generation_config.json   the ids generation starts and stops with (<|im_end|> ends a chat turn)
 *   tokenizer.json           the checkpoint's tokenizer (a byte-level one for runs trained on raw bytes)
 *   tokenizer_config.json    special tokens and the ChatML chat template of tokenizer/chat.ts
 * The same function serves pretraining and post-training checkpoints: both store the model the same way.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hfSpecialTokens, toGenerationConfig, toHfConfig } from "../hf/config.js";
import { SPECIAL_TOKENS, type Tokenizer, byteLevelTokenizer, loadTokenizer } from "../tokenizer/index.js";
import { readCheckpointModel } from "./checkpoint.js";
import { hfDecoderOnnx } from "./hf-decoder.js";

/** renderChat's ChatML layout (tokenizer/chat.ts) as a Jinja template, for apply_chat_template. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const TRANSFORMERS_JS_FILES = {
  onnx: "onnx/model.onnx",
  config: "config.json",
  generationConfig: "generation_config.json",
  tokenizer: "tokenizer.json",
  tokenizerConfig: "tokenizer_config.json",
} as const;

/** Writes the transformers.js folder for the checkpoint at `checkpointDir` into `outDir`; returns the files' paths. */
export function exportTransformersJs(checkpointDir: string, outDir: string): string[] {
  const { model, weights, tokenizerJson } = readCheckpointModel(checkpointDir);
  if (model.attention !== "causal")
    throw new Error(
      `export: ${checkpointDir} is a masked-LM encoder; transformers.js text generation needs a causal model`,
    );
  // runs trained on raw bytes use ids 0..255, which the byte-level vocabulary without special tokens reproduces
  const tokenizer = tokenizerJson ? loadTokenizer(tokenizerJson) : byteLevelTokenizer([]);
  if (tokenizer.vocabSize > model.vocabSize)
    throw new Error(
      `export: ${checkpointDir}: the tokenizer has ${tokenizer.vocabSize} ids but the model only ${model.vocabSize}`,
    );
  const specials = hfSpecialTokens(tokenizer.specialTokens);
  const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
  const contents: Record<string, string | Uint8Array> = {
    [TRANSFORMERS_JS_FILES.onnx]: hfDecoderOnnx(model, weights),
    [TRANSFORMERS_JS_FILES.config]: json(toHfConfig(model, specials)),
    [TRANSFORMERS_JS_FILES.generationConfig]: json(toGenerationConfig(specials)),
    [TRANSFORMERS_JS_FILES.tokenizer]: tokenizer.toJSON(),
    [TRANSFORMERS_JS_FILES.tokenizerConfig]: json(tokenizerConfig(tokenizer, model.contextLength)),
  };
  mkdirSync(join(outDir, "onnx"), { recursive: true });
  return Object.entries(contents).map(([file, data]) => {
    const path = join(outDir, file);
    writeFileSync(path, data);
    return path;
  });
}

function tokenizerConfig(tokenizer: Tokenizer, contextLength: number): Record<string, unknown> {
  const token = (id: number | null) => (id === null ? null : (tokenizer.idToToken(id) ?? null));
  const specials = hfSpecialTokens(tokenizer.specialTokens);
  const chat =
    tokenizer.specialTokens[SPECIAL_TOKENS.imStart] !== undefined &&
    tokenizer.specialTokens[SPECIAL_TOKENS.imEnd] !== undefined;
  return {
    tokenizer_class: "PreTrainedTokenizerFast",
    bos_token: token(specials.bos),
    eos_token: token(specials.eos),
    pad_token: token(specials.pad),
    model_max_length: contextLength,
    clean_up_tokenization_spaces: false,
    ...(chat ? { chat_template: CHATML_TEMPLATE } : {}),
  };
}
