/**
 * Hugging Face model folders, both ways. Out: the metadata files every engine checkpoint carries beside
 * model.safetensors (config.json, generation_config.json, tokenizer_config.json). In: a folder written by
 * `transformers`' save_pretrained (gpt2, llama or bert; one model.safetensors or an index of shards) or by the
 * engine, as a ModelConfig plus float32 weights under the engine's names (which are HF's).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ModelConfig, readModelConfig } from "../config/model.js";
import { readSafetensors, type Tensor, type TensorMap } from "../io/safetensors.js";
import { modelNames, parameterSpecs } from "../models/parameters.js";
import { fromHfConfig, hfSpecialTokens, toGenerationConfig, toHfConfig, type HfConfig } from "./config.js";
import { hfTokenizerConfig, tokenizerSpecials } from "./tokenizer.js";

export const HF_FILES = {
  config: "config.json",
  generationConfig: "generation_config.json",
  weights: "model.safetensors",
  weightsIndex: "model.safetensors.index.json",
  tokenizer: "tokenizer.json",
  tokenizerConfig: "tokenizer_config.json",
  /** the engine's own run metadata {format, model, run, data}; not read by Hugging Face */
  engineConfig: "engine_config.json",
} as const;

export interface HfModelFileOptions {
  tokenizerJson?: string;
  /** "score" for reward models (weights with `score.weight`): *ForSequenceClassification */
  head?: "lm" | "score";
}

/** File name -> text of the HF metadata files for `model` (and its tokenizer, when given). */
export function hfModelFiles(model: ModelConfig, opts: HfModelFileOptions = {}): Record<string, string> {
  const specials = hfSpecialTokens(opts.tokenizerJson ? tokenizerSpecials(opts.tokenizerJson) : {});
  const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
  return {
    [HF_FILES.config]: json(toHfConfig(model, specials, { head: opts.head })),
    [HF_FILES.generationConfig]: json(toGenerationConfig(specials)),
    ...(opts.tokenizerJson
      ? { [HF_FILES.tokenizerConfig]: json(hfTokenizerConfig(opts.tokenizerJson, model.contextLength)) }
      : {}),
  };
}

export interface ModelFolder {
  dir: string;
  model: ModelConfig;
  /** float32, engine (= HF) names; tensors beyond the model's own (a score head, a value model) are kept */
  weights: TensorMap;
  tokenizerJson?: string;
}

/**
 * Reads a model folder: an engine checkpoint (its exact config from engine_config.json, or a legacy config.json
 * with `model`) or a `transformers` folder (config.json mapped by fromHfConfig). Weights are checked against the
 * model's parameters, naming any missing or misshapen tensor.
 */
export function loadModelFolder(dir: string): ModelFolder {
  const model = readFolderConfig(dir);
  const tokenizerPath = join(dir, HF_FILES.tokenizer);
  return {
    dir,
    model,
    weights: readModelWeights(dir, model),
    ...(existsSync(tokenizerPath) ? { tokenizerJson: readFileSync(tokenizerPath, "utf8") } : {}),
  };
}

function readFolderConfig(dir: string): ModelConfig {
  const enginePath = join(dir, HF_FILES.engineConfig);
  if (existsSync(enginePath)) return readModelConfig(readJson(enginePath).model, enginePath);
  const configPath = join(dir, HF_FILES.config);
  if (!existsSync(configPath)) throw new Error(`model folder ${dir}: no ${HF_FILES.config}`);
  const config = readJson(configPath);
  // checkpoints written before config.json became Hugging Face's kept the engine metadata there
  if ("format" in config && "model" in config) return readModelConfig(config.model, configPath);
  return fromHfConfig(config, configPath);
}

function readJson(path: string): HfConfig {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as HfConfig;
    throw new Error("not a JSON object");
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Buffers and tied copies that transformers may write but the engine recomputes or shares. */
function isDerivedTensor(name: string, model: ModelConfig): boolean {
  if (/\.attn\.(bias|masked_bias)$|rotary_emb\.inv_freq$|\.position_ids$/.test(name)) return true;
  if (!model.tiedHead) return false;
  return name === modelNames(model).head || name === "cls.predictions.decoder.bias";
}

function readModelWeights(dir: string, model: ModelConfig): TensorMap {
  const single = join(dir, HF_FILES.weights);
  const index = join(dir, HF_FILES.weightsIndex);
  let files: string[];
  if (existsSync(single)) files = [single];
  else if (existsSync(index)) {
    const map = readJson(index).weight_map;
    if (!map || typeof map !== "object") throw new Error(`${index}: no weight_map`);
    files = [...new Set(Object.values(map as Record<string, string>))].map((f) => join(dir, f));
  } else
    throw new Error(
      `model folder ${dir}: no ${HF_FILES.weights} (the engine reads safetensors only; save with safe_serialization=True)`,
    );
  const weights: TensorMap = {};
  for (const file of files)
    for (const [name, tensor] of Object.entries(readSafetensors(file).tensors))
      if (!isDerivedTensor(name, model)) weights[name] = toFloat32(tensor, `${file}: tensor ${name}`);
  for (const spec of parameterSpecs(model)) {
    const t = weights[spec.name];
    if (!t)
      throw new Error(`model folder ${dir}: tensor ${spec.name} is missing for this ${model.layout} config`);
    if (t.shape.join() !== spec.shape.join())
      throw new Error(
        `model folder ${dir}: tensor ${spec.name} has shape [${t.shape.join(", ")}], the config needs [${spec.shape.join(", ")}]`,
      );
  }
  return weights;
}

/** F32 as is; F16 and BF16 (raw 16-bit patterns) widened exactly; anything else refused. */
function toFloat32(t: Tensor, what: string): Tensor {
  if (t.dtype === "F32") return t;
  const bits = t.data as Uint16Array;
  if (t.dtype === "BF16") {
    const wide = new Uint32Array(bits.length);
    for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
    return { dtype: "F32", shape: t.shape, data: new Float32Array(wide.buffer) };
  }
  if (t.dtype === "F16") return { dtype: "F32", shape: t.shape, data: Float32Array.from(bits, halfToFloat) };
  throw new Error(`${what} has dtype ${t.dtype}; model weights must be F32, F16 or BF16`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
