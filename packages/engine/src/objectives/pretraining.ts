/**
 * The two pretraining objectives: causal LM (predict the next token everywhere) and masked LM (BERT: predict the
 * 15% of positions that were masked with the 80/10/10 rule, from both directions).
 */
import type { Batch } from "../train/batches.js";
import { maskTokens } from "../train/batches.js";
import type { Rng } from "../util/rng.js";
import { labelsToTargets } from "./crossEntropy.js";

export type PretrainObjective = "causal_lm" | "masked_lm";

/** What the step graph is fed for one batch. */
export interface ObjectiveBatch {
  inputIds: Int32Array;
  targets: Int32Array;
  /** per-position loss weights (masked LM only) */
  lossWeights?: Float32Array;
}

/** Causal LM: the batch as TokenBatches cut it (targets are the inputs shifted by one). */
export function causalLmBatch(batch: Batch): ObjectiveBatch {
  return { inputIds: batch.inputs, targets: batch.targets };
}

/** Masked LM: corrupt the input sequence (drawing from `rng`, so a saved state replays it) and predict the originals. */
export function maskedLmBatch(
  batch: Batch,
  rng: Rng,
  opts: { vocabSize: number; maskTokenId: number; maskProbability?: number },
): ObjectiveBatch {
  const { inputs, labels } = maskTokens(batch.inputs, rng, opts);
  const { targets, weights } = labelsToTargets(labels);
  return { inputIds: inputs, targets, lossWeights: weights };
}
