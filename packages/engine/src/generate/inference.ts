/**
 * Inference graphs with a key/value cache. Shapes are static: the cache holds contextLength positions per layer and
 * an input `position` says how many are filled. New keys and values are written in with a one-hot matrix product
 * and attention masks every slot after each query's own position, so one graph serves any fill level.
 *
 * model.onnx (the S = 1 decode graph, weights inside) is loadable by plain onnxruntime-node:
 *   inputs   input_ids int64 [1, S]; position int64 [1] (tokens already in the cache);
 *            past_key.<layer>, past_value.<layer> float32 [1, kvHeads, contextLength, headDim] (zeros at the start)
 *   outputs  logits float32 [1, vocab] (next-token logits after the last input token);
 *            present_key.<layer>, present_value.<layer> (feed back as past_* with position + S)
 */
import type { ModelConfig } from "../config/model.js";
import { Graph, type Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { parameterSpecs } from "../models/parameters.js";
import { repeatKv, sequenceAttention, transformerLogits } from "../models/transformer.js";

export const INFERENCE_IO = {
  inputIds: "input_ids",
  position: "position",
  logits: "logits",
  pastKey: (layer: number) => `past_key.${layer}`,
  pastValue: (layer: number) => `past_value.${layer}`,
  presentKey: (layer: number) => `present_key.${layer}`,
  presentValue: (layer: number) => `present_value.${layer}`,
} as const;

/** The cache of one layer's keys or values for `rows` sequences. */
export function cacheShape(cfg: ModelConfig, rows = 1): number[] {
  return [rows, cfg.kvHeads, cfg.contextLength, cfg.headDim];
}

/**
 * The model's weights in an inference graph: constants baked in (model.onnx), or with WEIGHT_INPUTS graph inputs
 * named as the parameters, so one compiled session serves weights that change (PPO's policy after each update).
 */
export const WEIGHT_INPUTS = "inputs";
export type InferenceWeights = Record<string, Float32Array> | typeof WEIGHT_INPUTS;

export function modelWeights(g: Graph, cfg: ModelConfig, weights: InferenceWeights): Record<string, Value> {
  return Object.fromEntries(
    parameterSpecs(cfg).map((s) => {
      if (weights === WEIGHT_INPUTS) return [s.name, g.input(s.name, "float32", s.shape)];
      const w = weights[s.name];
      if (!w) throw new Error(`inference graph: weight ${s.name} is missing`);
      return [s.name, g.constant("float32", s.shape, w)];
    }),
  );
}

/**
 * Processes `newTokens` tokens per row at positions position[r]..position[r]+S-1 against the cache; returns each
 * row's last logits. `rows` > 1 decodes several sequences at once, each at its own fill level.
 */
export function buildCachedGraph(
  cfg: ModelConfig,
  weights: InferenceWeights,
  newTokens: number,
  rows = 1,
): Graph {
  if (cfg.attention !== "causal")
    throw new Error("generation needs a causal model (model.attention is bidirectional)");
  const g = new Graph(newTokens === 1 ? "decode" : "prefill");
  const S = newTokens;
  const R = rows;
  const ctx = cfg.contextLength;
  const params = modelWeights(g, cfg, weights);
  const ids = g.input(INFERENCE_IO.inputIds, "int64", [R, S]);
  const position = g.input(INFERENCE_IO.position, "int64", [R]);
  const positions = op.add(
    op.reshape(position, [R, 1]),
    g.constant(
      "int64",
      [1, S],
      Array.from({ length: S }, (_, i) => i),
    ),
  ); // [R, S]
  const slots = g.constant(
    "int64",
    [1, 1, ctx],
    Array.from({ length: ctx }, (_, i) => i),
  );
  const column = op.reshape(positions, [R, S, 1]);
  // write[r, s, j] = 1 where row r's new token s goes into cache slot j
  const write = op.cast(op.equal(slots, column), "float32"); // [R, S, ctx]
  const keep = op.reshape(op.sub(1, op.reduceSum(write, [1])), [R, 1, ctx, 1]);
  // slots after each query's position, broadcast over heads
  const mask = op.reshape(op.mul(op.cast(op.greater(slots, column), "float32"), -1e9), [R, 1, S, ctx]);
  const writeT = op.reshape(op.transposeLast(write), [R, 1, ctx, S]);
  const logits = transformerLogits(cfg, params, {
    ids,
    positions,
    attend: (layer, q, k, v) => {
      const pastK = g.input(INFERENCE_IO.pastKey(layer), "float32", cacheShape(cfg, R));
      const pastV = g.input(INFERENCE_IO.pastValue(layer), "float32", cacheShape(cfg, R));
      const presentK = op.add(op.mul(pastK, keep), op.matmul(writeT, k));
      const presentV = op.add(op.mul(pastV, keep), op.matmul(writeT, v));
      g.output(INFERENCE_IO.presentKey(layer), presentK);
      g.output(INFERENCE_IO.presentValue(layer), presentV);
      const scores = op.mul(
        op.matmul(q, op.transposeLast(repeatKv(presentK, cfg.heads))),
        1 / Math.sqrt(cfg.headDim),
      );
      return op.matmul(op.softmax(op.add(scores, mask)), repeatKv(presentV, cfg.heads));
    },
  });
  g.output(INFERENCE_IO.logits, op.reshape(op.slice(logits, 1, S - 1, S), [R, cfg.vocabSize]));
  return g;
}

/** Without a cache: the whole (padded) context every token; logits for all positions [1, ctx, vocab]. */
export function buildFullContextGraph(cfg: ModelConfig, weights: InferenceWeights): Graph {
  const g = new Graph("full_context");
  const ctx = cfg.contextLength;
  const params = modelWeights(g, cfg, weights);
  const ids = g.input(INFERENCE_IO.inputIds, "int64", [1, ctx]);
  const positions = g.constant(
    "int64",
    [ctx],
    Array.from({ length: ctx }, (_, i) => i),
  );
  g.output(
    INFERENCE_IO.logits,
    transformerLogits(cfg, params, { ids, positions, attend: sequenceAttention(cfg, ctx) }),
  );
  return g;
}
