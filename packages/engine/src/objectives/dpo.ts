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
 *   hinge:   loss = mean[ relu(1 - beta h) ]            (SLiC, Zhao et al. 2023; TRL loss_type "hinge")
 *   robust:  loss = mean[ (-(1 - eps) log sigmoid(beta h) + eps log sigmoid(-beta h)) / (1 - 2 eps) ]
 *            (Chowdhury et al. 2024, unbiased under label noise eps; TRL loss_type "robust")
 *   reference_free (TRL): the reference log-probs are 0, so h compares the policy's log-probs alone
 *   simpo:   loss = mean[ -(1 - eps) log sigmoid(beta h - gamma) - eps log sigmoid(gamma - beta h) ]
 *            on length-averaged log-probs, no reference (Meng et al. 2024; TRL CPOTrainer loss_type "simpo")
 *   orpo:    loss = NLL(chosen) - beta mean[ log sigmoid(log odds(y_w) - log odds(y_l)) ],
 *            log odds(y) = p - log(1 - e^p) with p the length-averaged log-prob, no reference (Hong et al. 2024;
 *            TRL ORPOTrainer, beta the paper's lambda)
 *
 * The reference log-probs are graph inputs: they are computed once before training and read from disk
 * (posttrain/reference-logps.ts), so the reference model is never in memory while the policy trains.
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { logSigmoid } from "./reward.js";
import { tokenLogProbs } from "./sft.js";

export type DpoLossType = "sigmoid" | "ipo" | "hinge" | "robust" | "simpo" | "orpo";

/** Loss types that score length-averaged log-probs (the others sum over the response tokens). */
export const AVERAGED_LOSS_TYPES: readonly DpoLossType[] = ["ipo", "simpo", "orpo"];
/** Loss types without a reference model. */
export const REFERENCE_FREE_LOSS_TYPES: readonly DpoLossType[] = ["simpo", "orpo"];

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
  /** scalar: mean negative log-likelihood of the chosen response tokens (needed when rpoAlpha > 0 and by ORPO) */
  chosenNll?: Value;
}

export interface DpoOptions {
  beta: number;
  labelSmoothing: number;
  lossType: DpoLossType;
  rpoAlpha?: number;
  /** SimPO's target reward margin gamma (TRL CPOConfig simpo_gamma) */
  simpoGamma?: number;
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
  { beta, labelSmoothing, lossType, rpoAlpha = 0, simpoGamma = 0.5 }: DpoOptions,
): DpoOutputs {
  const { policyChosen, policyRejected, referenceChosen, referenceRejected } = inputs;
  const g = policyChosen.graph;
  return g.within("dpo loss", () => {
    const h = op.sub(op.sub(policyChosen, policyRejected), op.sub(referenceChosen, referenceRejected));
    /** -(1 - eps) log sigmoid(x) - eps log sigmoid(-x): the (label-smoothed) logistic loss */
    const logistic = (x: Value) => {
      const loss = op.neg(op.mul(logSigmoid(x), 1 - labelSmoothing));
      return labelSmoothing > 0 ? op.sub(loss, op.mul(logSigmoid(op.neg(x)), labelSmoothing)) : loss;
    };
    const scaled = op.mul(h, beta);
    const logOdds = (p: Value) => op.sub(p, op.log(op.sub(g.scalar(1, p.dtype), op.exp(p))));
    let losses: Value;
    if (lossType === "ipo") {
      const gap = op.sub(h, 1 / (2 * beta));
      losses = op.mul(gap, gap);
    } else if (lossType === "hinge") {
      const x = op.sub(g.scalar(1, h.dtype), scaled);
      losses = op.where(op.greater(x, g.scalar(0, h.dtype)), x, g.scalar(0, h.dtype));
    } else if (lossType === "robust") {
      const noisy = op.add(
        op.neg(op.mul(logSigmoid(scaled), 1 - labelSmoothing)),
        op.mul(logSigmoid(op.neg(scaled)), labelSmoothing),
      );
      losses = op.div(noisy, 1 - 2 * labelSmoothing);
    } else if (lossType === "simpo") {
      losses = logistic(op.sub(scaled, simpoGamma));
    } else if (lossType === "orpo") {
      losses = op.mul(logSigmoid(op.sub(logOdds(policyChosen), logOdds(policyRejected))), -beta);
    } else {
      losses = logistic(scaled);
    }
    const chosenRewards = op.mul(op.sub(policyChosen, referenceChosen), beta);
    const rejectedRewards = op.mul(op.sub(policyRejected, referenceRejected), beta);
    const mean = (x: Value) => op.reduceMean(x, null);
    let loss = mean(losses);
    const nllWeight = lossType === "orpo" ? 1 + rpoAlpha : rpoAlpha;
    if (nllWeight > 0) {
      if (!inputs.chosenNll)
        throw new Error("dpo loss: ORPO and rpoAlpha > 0 need the chosen responses' NLL");
      loss = op.add(loss, op.mul(inputs.chosenNll, nllWeight));
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
