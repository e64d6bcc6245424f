/**
 * Direct preference optimisation (Rafailov et al. 2023), with conservative DPO's label smoothing (Mitchell 2023)
 * and IPO (Azar et al. 2023), as TRL's DPOTrainer computes them:
 *
 *   h = (log pi(y_w|x) - log pi(y_l|x)) - (log ref(y_w|x) - log ref(y_l|x))
 *   sigmoid: loss = mean[ -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h) ]
 *   ipo:     loss = mean[ (h - 1/(2 beta))^2 ]          with log-probs averaged over response tokens
 *   implicit rewards: beta (log pi(y|x) - log ref(y|x)) for chosen and rejected
 *   RPO (Pang et al. 2024; TRL rpo_alpha): + alpha * NLL of the chosen responses (mean over their tokens), which
 *   keeps the chosen replies likely while the margin grows
 *
 * The reference log-probs are graph inputs: they are computed once before training and read from disk
 * (posttrain/reference-logps.ts), so the reference model is never in memory while the policy trains.
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { logSigmoid } from "./reward.js";
import { tokenLogProbs } from "./sft.js";

export type DpoLossType = "sigmoid" | "ipo";

/** Sum (or, for IPO, mean) of the response tokens' log-probs per row: [B, T, V] logits -> [B]. */
export function sequenceLogProbs(logits: Value, targets: Value, mask: Value, average = false): Value {
  return logits.graph.within("sequence log-probs", () => {
    const total = op.reduceSum(op.mul(tokenLogProbs(logits, targets), mask), [-1]);
    return average ? op.div(total, op.reduceSum(mask, [-1])) : total;
  });
}

export interface DpoInputs {
  /** [B] sequence log-probs of the chosen and rejected responses under the policy (graph values) */
  policyChosen: Value;
  policyRejected: Value;
  /** [B] the same under the frozen reference (graph inputs read from disk) */
  referenceChosen: Value;
  referenceRejected: Value;
  /** scalar: mean negative log-likelihood of the chosen response tokens (needed when rpoAlpha > 0) */
  chosenNll?: Value;
}

export interface DpoOptions {
  beta: number;
  labelSmoothing: number;
  lossType: DpoLossType;
  rpoAlpha?: number;
}

export interface DpoOutputs {
  loss: Value;
  "rewards/chosen": Value;
  "rewards/rejected": Value;
  "rewards/margins": Value;
  "rewards/accuracies": Value;
  "logps/chosen": Value;
  "logps/rejected": Value;
}

export function dpoLoss(
  inputs: DpoInputs,
  { beta, labelSmoothing, lossType, rpoAlpha = 0 }: DpoOptions,
): DpoOutputs {
  const { policyChosen, policyRejected, referenceChosen, referenceRejected } = inputs;
  return policyChosen.graph.within("dpo loss", () => {
    const h = op.sub(op.sub(policyChosen, policyRejected), op.sub(referenceChosen, referenceRejected));
    let losses: Value;
    if (lossType === "ipo") {
      const gap = op.sub(h, 1 / (2 * beta));
      losses = op.mul(gap, gap);
    } else {
      const scaled = op.mul(h, beta);
      losses = op.neg(op.mul(logSigmoid(scaled), 1 - labelSmoothing));
      if (labelSmoothing > 0) losses = op.sub(losses, op.mul(logSigmoid(op.neg(scaled)), labelSmoothing));
    }
    const chosenRewards = op.mul(op.sub(policyChosen, referenceChosen), beta);
    const rejectedRewards = op.mul(op.sub(policyRejected, referenceRejected), beta);
    const mean = (x: Value) => op.reduceMean(x, null);
    let loss = mean(losses);
    if (rpoAlpha > 0) {
      if (!inputs.chosenNll) throw new Error("dpo loss: rpoAlpha > 0 needs the chosen responses' NLL");
      loss = op.add(loss, op.mul(inputs.chosenNll, rpoAlpha));
    }
    return {
      loss,
      "rewards/chosen": mean(chosenRewards),
      "rewards/rejected": mean(rejectedRewards),
      "rewards/margins": mean(op.sub(chosenRewards, rejectedRewards)),
      "rewards/accuracies": mean(op.cast(op.greater(chosenRewards, rejectedRewards), h.dtype)),
      "logps/chosen": mean(policyChosen),
      "logps/rejected": mean(policyRejected),
    };
  });
}
