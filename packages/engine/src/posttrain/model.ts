/**
 * The models post-training starts from and produces: a checkpoint's transformer (config.json `model`, weights,
 * tokenizer.json), the policy's logits over a batch of right-padded sequences, and the scalar head that makes a
 * reward model or a value function (Hugging Face's `score.weight` [1, width] of *ForSequenceClassification).
 */
import type { ModelConfig } from "../config/model.js";
import type { Graph, Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import type { TensorMap } from "../io/safetensors.js";
import type { ParamSpec } from "../models/parameters.js";
import { type Params, sequenceAttention, transformerHidden, lmHead } from "../models/transformer.js";
import { loadTokenizer } from "../tokenizer/hf-json.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { HF_SCORE_HEAD as SCORE_HEAD } from "../hf/config.js";
import { loadModelFolder } from "../hf/folder.js";
import type { Rng } from "../util/rng.js";

export const INPUT_IDS = "input_ids";
/** The scalar head's tensor name is Hugging Face's (hf/config.ts owns it; hf/ never imports posttrain/). */
export { SCORE_HEAD };
/**
 * PPO's value model: a second transformer (tensors prefixed `value_model.`) with a scalar head, initialised from
 * the reward model as TRL does, so value-loss gradients never disturb the policy's own weights.
 */
export const VALUE_PREFIX = "value_model.";
export const VALUE_HEAD = "value_model.score.weight";

export interface BaseModel {
  dir: string;
  model: ModelConfig;
  weights: TensorMap;
  tokenizer: Tokenizer;
}

/** config.json of a post-training checkpoint, in the layout of pretraining's (train/loop.ts). */
export interface PostTrainCheckpointConfig {
  format: `rlhf-engine/${"sft" | "reward" | "dpo" | "ppo" | "grpo" | "rloo" | "kto"}`;
  model: ModelConfig;
  run: unknown;
}

/** Reads a checkpoint folder written by the engine (any job kind) or a model folder saved by transformers. */
export function loadBaseModel(dir: string): BaseModel {
  const { model, weights, tokenizerJson } = loadModelFolder(dir);
  if (!tokenizerJson)
    throw new Error(
      `checkpoint ${dir}: no tokenizer.json; post-training needs the tokenizer the model was trained with`,
    );
  return { dir, model, weights, tokenizer: loadTokenizer(tokenizerJson) };
}

export function scoreHeadSpec(cfg: ModelConfig, name = SCORE_HEAD): ParamSpec {
  return { name, shape: [1, cfg.width], role: "matrix", group: "head", fanIn: cfg.width, fanOut: 1 };
}

/** A fresh score head, N(0, 1/sqrt(width + 1)) as in OpenAI's lm-human-preferences and TRL's value head. */
export function initScoreHead(cfg: ModelConfig, rng: Rng, name = SCORE_HEAD): TensorMap {
  const std = 1 / Math.sqrt(cfg.width + 1);
  const data = Float32Array.from({ length: cfg.width }, () => std * rng.normal());
  return { [name]: { dtype: "F32", shape: [1, cfg.width], data } };
}

export const POSITIONS = "positions";
export const ATTENTION_MASK = "attention_mask";

/**
 * Hidden states [rows, T, width] of right-padded token ids (causal attention: padding never reaches real tokens).
 * `packed` adds per-row positions and a block-diagonal mask as inputs, for several conversations per row.
 * `sharedIds` reuses the token input of another model in the same graph (PPO's policy and value model).
 */
export function hiddenStates(
  g: Graph,
  cfg: ModelConfig,
  params: Params,
  rows: number,
  seqLen: number,
  packed = false,
  sharedIds?: Value,
): Value {
  if (seqLen > cfg.contextLength)
    throw new Error(`sequences of ${seqLen} tokens exceed the model's context length ${cfg.contextLength}`);
  const ids = sharedIds ?? g.input(INPUT_IDS, "int32", [rows, seqLen]);
  if (packed) {
    const positions = g.input(POSITIONS, "int64", [rows, seqLen]);
    const mask = g.input(ATTENTION_MASK, "float32", [rows, 1, seqLen, seqLen]);
    return transformerHidden(cfg, params, {
      ids,
      positions,
      attend: sequenceAttention(cfg, seqLen, { mask }),
    });
  }
  const positions = g.constant(
    "int64",
    [seqLen],
    Array.from({ length: seqLen }, (_, i) => i),
  );
  return transformerHidden(cfg, params, { ids, positions, attend: sequenceAttention(cfg, seqLen) });
}

export function policyLogits(
  g: Graph,
  cfg: ModelConfig,
  params: Params,
  rows: number,
  seqLen: number,
  packed = false,
): Value {
  return lmHead(cfg, params, hiddenStates(g, cfg, params, rows, seqLen, packed));
}

/** The scalar head at every position: [rows, T, width] -> [rows, T]. */
export function perTokenScores(params: Params, hidden: Value, name = SCORE_HEAD): Value {
  const [rows, seqLen] = hidden.shape;
  const head = params[name];
  if (!head)
    throw new Error(`model: parameter ${name} is missing (a reward or value model needs its scalar head)`);
  return hidden.graph.within("score head", () =>
    op.reshape(op.matmul(hidden, op.transposeLast(head)), [rows, seqLen]),
  );
}
