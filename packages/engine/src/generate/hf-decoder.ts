/**
 * The decoder graph as Hugging Face's ONNX exports (Optimum, transformers.js) lay it out, so that transformers.js
 * and any other ORT-based HF runtime generate with it:
 *   inputs   input_ids int64 [batch_size, sequence_length]; attention_mask int64 [batch_size, total_sequence_length];
 *            position_ids int64 [batch_size, sequence_length];
 *            past_key_values.<layer>.key / .value float32 [batch_size, kvHeads, past_sequence_length, headDim]
 *            (past_sequence_length may be 0: the first run passes an empty past)
 *   outputs  present.<layer>.key / .value [batch_size, kvHeads, total_sequence_length, headDim] (the past with the
 *            new keys appended); logits float32 [batch_size, sequence_length, vocab]
 * Every size is open; the weights are inside. A key is visible to a query when the attention mask keeps it and its
 * position (its count of kept slots, as HF derives position_ids) is not after the query's: causal, left padding
 * included.
 */
import type { ModelConfig } from "../config/model.js";
import { Graph } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { repeatKv, transformerLogits } from "../models/transformer.js";
import { modelWeights } from "./inference.js";
import { type AxisSizes, toOnnxWithOpenAxes } from "./open-axes.js";

export const HF_DECODER_IO = {
  inputIds: "input_ids",
  attentionMask: "attention_mask",
  positionIds: "position_ids",
  logits: "logits",
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

/** Two sets of sizes that differ on every axis, pairwise distinct (see open-axes.ts). */
const TRACES: [AxisSizes, AxisSizes] = [
  { batch_size: 2, sequence_length: 3, past_sequence_length: 4, total_sequence_length: 7 },
  { batch_size: 3, sequence_length: 5, past_sequence_length: 6, total_sequence_length: 11 },
];

export function buildHfDecoderGraph(
  cfg: ModelConfig,
  weights: Record<string, Float32Array>,
  sizes: AxisSizes,
): Graph {
  if (cfg.attention !== "causal")
    throw new Error("the decoder export needs a causal model (model.attention is bidirectional)");
  const g = new Graph("decoder");
  const { batch_size: B, sequence_length: S, past_sequence_length: P } = sizes;
  const params = modelWeights(g, cfg, weights);
  const ids = g.input(HF_DECODER_IO.inputIds, "int64", [B, S]);
  const attentionMask = g.input(HF_DECODER_IO.attentionMask, "int64", [B, P + S]);
  const positionIds = g.input(HF_DECODER_IO.positionIds, "int64", [B, S]);
  const bias = g.within("attention mask", () => {
    const keyPositions = op.sub(op.cumSum(attentionMask, 1), 1); // [B, T]
    const future = op.greater(
      op.unsqueeze(op.unsqueeze(keyPositions, 1), 1), // [B, 1, 1, T]
      op.unsqueeze(op.unsqueeze(positionIds, 1), 3), // [B, 1, S, 1]
    );
    const kept = op.cast(op.unsqueeze(op.unsqueeze(attentionMask, 1), 1), "float32");
    const visible = op.mul(op.cast(op.not(future), "float32"), kept); // [B, 1, S, T]
    return op.mul(op.sub(visible, 1), 1e9);
  });
  const cache = [B, cfg.kvHeads, P, cfg.headDim];
  const logits = transformerLogits(cfg, params, {
    ids,
    positions: positionIds,
    attend: (layer, q, k, v) => {
      const keys = op.concat([g.input(HF_DECODER_IO.pastKey(layer), "float32", cache), k], 2);
      const values = op.concat([g.input(HF_DECODER_IO.pastValue(layer), "float32", cache), v], 2);
      g.output(HF_DECODER_IO.presentKey(layer), keys);
      g.output(HF_DECODER_IO.presentValue(layer), values);
      // the same order of operations as the engine's own cached graph (inference.ts), for the same roundings
      const scores = op.mul(
        op.matmul(q, op.transposeLast(repeatKv(keys, cfg.heads))),
        1 / Math.sqrt(cfg.headDim),
      );
      return op.matmul(op.softmax(op.add(scores, bias)), repeatKv(values, cfg.heads));
    },
  });
  g.output(HF_DECODER_IO.logits, logits);
  return g;
}

/** onnx/model.onnx of a transformers.js folder: the decoder with its weights inside and every size open. */
export function hfDecoderOnnx(cfg: ModelConfig, weights: Record<string, Float32Array>): Uint8Array {
  return toOnnxWithOpenAxes((sizes) => buildHfDecoderGraph(cfg, weights, sizes), TRACES, "rlhf-engine");
}
