/**
 * Token-level cross-entropy, the loss of both pretraining objectives. Ignored positions (label -100, PyTorch's
 * ignore_index) become target 0 with weight 0 on the host, so the graph needs no data-dependent branching.
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { IGNORE_INDEX } from "../train/batches.js";

/**
 * Mean negative log-likelihood of `targets` [B,S] (int32) under `logits` [B,S,V]; with `weights` [B,S] the mean is
 * over the weighted positions (sum(w * nll) / sum(w)), as PyTorch's cross_entropy with ignore_index does.
 */
export function tokenCrossEntropy(logits: Value, targets: Value, weights?: Value): Value {
  const g = logits.graph;
  return g.within("loss", () => {
    const [B, S, V] = logits.shape;
    if (targets.shape[0] !== B || targets.shape[1] !== S)
      g.fail("CrossEntropy", [logits.shape, targets.shape], "targets must be [B,S] of the logits");
    const logProbs = op.logSoftmax(op.reshape(logits, [B * S, V]));
    const picked = op.gatherElements(logProbs, op.reshape(targets, [B * S, 1]), 1);
    if (!weights) return op.neg(op.reduceMean(picked, null));
    const w = op.reshape(weights, [B * S, 1]);
    return op.neg(op.div(op.reduceSum(op.mul(picked, w), null), op.max(op.reduceSum(w, null), 1)));
  });
}

/** Host side: labels with IGNORE_INDEX -> graph targets (0 there) and float weights (0 there, 1 elsewhere). */
export function labelsToTargets(labels: Int32Array): { targets: Int32Array; weights: Float32Array } {
  const targets = new Int32Array(labels.length);
  const weights = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === IGNORE_INDEX) continue;
    targets[i] = labels[i];
    weights[i] = 1;
  }
  return { targets, weights };
}

/** Every id must index the embedding table: checked on the host, so the error names the position, not an ORT kernel. */
export function checkTokenIds(ids: ArrayLike<number>, vocabSize: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i];
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
      throw new RangeError(
        `${what}: token id ${t} at position ${i} is outside the vocabulary [0, ${vocabSize})`,
      );
    }
  }
}
