/**
 * KTO: Kahneman-Tversky optimisation on unpaired desirable / undesirable responses (Ethayarajh et al. 2024), as
 * TRL's KTOTrainer computes it (loss_type "kto"). With r = log pi(y|x) - log ref(y|x) summed over the response and
 * z0 the reference point, a batch estimate of KL(pi || ref) from mismatched (prompt, completion) pairs, clamped at 0
 * and not differentiated:
 *
 *   desirable:    loss = w_d (1 - sigmoid(beta (r - z0)))
 *   undesirable:  loss = w_u (1 - sigmoid(beta (z0 - r)))
 *   loss = mean over the batch's examples
 *   reported: kl = z0, rewards/chosen and rewards/rejected = mean beta r over each kind (0 when a batch has none),
 *             rewards/margins = their difference
 *
 * z0 is a graph input: the caller computes it with a forward pass before the step, which is what "not
 * differentiated" means (TRL detaches it).
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";

export interface KtoInputs {
  /** [B] summed response log-probs under the policy */
  policy: Value;
  /** [B] the same under the reference */
  reference: Value;
  /** [B] 1 for a desirable response, 0 for an undesirable one */
  label: Value;
  /** scalar reference point z0 (already clamped at 0) */
  kl: Value;
}

export interface KtoOptions {
  beta: number;
  desirableWeight: number;
  undesirableWeight: number;
}

export interface KtoOutputs {
  loss: Value;
  kl: Value;
  "rewards/chosen": Value;
  "rewards/rejected": Value;
  "rewards/margins": Value;
}

/** z0 = max(0, mean(policy - reference)) over the mismatched pairs, on the host (it is not differentiated). */
export function ktoReferencePoint(policy: ArrayLike<number>, reference: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < policy.length; i++) sum += policy[i] - reference[i];
  return Math.max(0, sum / policy.length);
}

export function ktoLoss({ policy, reference, label, kl }: KtoInputs, o: KtoOptions): KtoOutputs {
  const g = policy.graph;
  return g.within("kto loss", () => {
    const dtype = policy.dtype;
    const one = g.scalar(1, dtype);
    const r = op.sub(policy, reference);
    const desirable = op.mul(op.sub(one, op.sigmoid(op.mul(op.sub(r, kl), o.beta))), o.desirableWeight);
    const undesirable = op.mul(op.sub(one, op.sigmoid(op.mul(op.sub(kl, r), o.beta))), o.undesirableWeight);
    const unlabel = op.sub(one, label);
    const losses = op.add(op.mul(label, desirable), op.mul(unlabel, undesirable));
    const rewards = op.mul(r, o.beta);
    /** mean of x over the rows where `which` is 1; 0 when there are none */
    const meanWhere = (x: Value, which: Value) => {
      const count = op.reduceSum(which, null);
      return op.div(op.reduceSum(op.mul(x, which), null), op.where(op.less(count, one), one, count));
    };
    const chosen = meanWhere(rewards, label);
    const rejected = meanWhere(rewards, unlabel);
    return {
      loss: op.reduceMean(losses, null),
      kl,
      "rewards/chosen": chosen,
      "rewards/rejected": rejected,
      "rewards/margins": op.sub(chosen, rejected),
    };
  });
}
