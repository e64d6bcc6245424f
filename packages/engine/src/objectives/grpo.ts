/**
 * Group-relative policy optimisation without a value model: GRPO (Shao et al. 2024, DeepSeekMath) and RLOO
 * (Ahmadian et al. 2024, "Back to Basics"), as TRL's GRPOTrainer and RLOOTrainer compute them. Each prompt gets G
 * sampled responses with rewards r_1..r_G; a response's advantage A_i (the same for all its tokens) is
 *
 *   GRPO:  A_i = (r_i - mean_j r_j) / (std + 1e-4), std the group's ("group"), the batch's ("batch") or 1 ("none")
 *          (TRL scale_rewards; torch.std, unbiased; the 1e-4 keeps a group of equal rewards at A = 0)
 *   RLOO:  A_i = r_i - (sum_{j != i} r_j) / (G - 1), with r_i = score_i - beta * KL_i (k1 summed over the response)
 *
 * and the policy loss per response token t, with ratio_t = exp(log pi(a_t) - log pi_old(a_t)), is
 *
 *   l_t = -min(ratio_t A_i, clip(ratio_t, 1 - eps_low, 1 + eps_high) A_i)  [+ beta k3_t for GRPO]
 *   k3_t = exp(log ref - log pi) - (log ref - log pi) - 1
 *
 * aggregated as TRL's loss_type: "grpo" (mean over a response's tokens, then over responses), "dapo" (Yu et al.
 * 2025: mean over every token of the batch) or "dr_grpo" (Liu et al. 2025: sum over tokens / (B x
 * max_completion_length), no length bias). Reported as TRL names them: kl, entropy, clip_ratio/low_mean,
 * clip_ratio/high_mean, clip_ratio/region_mean.
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { tokenEntropy } from "./ppo.js";
import { maskedMean, tokenLogProbs } from "./sft.js";

export type ScaleRewards = "group" | "batch" | "none";
export type GroupLossType = "grpo" | "dr_grpo" | "dapo";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** torch.std: unbiased, Bessel's correction. */
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

function groups(xs: number[], size: number): number[][] {
  if (size < 2 || xs.length % size !== 0)
    throw new Error(`group advantages: ${xs.length} rewards do not form groups of ${size} (at least 2 each)`);
  return Array.from({ length: xs.length / size }, (_, i) => xs.slice(i * size, (i + 1) * size));
}

/** GRPO advantages of consecutive groups of `size` rewards (one group per prompt). */
export function groupAdvantages(rewards: number[], size: number, scale: ScaleRewards): number[] {
  const batchStd = scale === "batch" ? std(rewards) : 1;
  return groups(rewards, size).flatMap((g) => {
    const m = mean(g);
    const s = scale === "group" ? std(g) : batchStd;
    return g.map((r) => (scale === "none" ? r - m : (r - m) / (s + 1e-4)));
  });
}

/** RLOO advantages: each reward minus the mean of the other k - 1 rewards of its group. */
export function leaveOneOutAdvantages(rewards: number[], k: number): number[] {
  return groups(rewards, k).flatMap((g) => {
    const sum = g.reduce((a, b) => a + b, 0);
    return g.map((r) => r - (sum - r) / (k - 1));
  });
}

/** (x - mean) / (std + 1e-4) over the whole batch (TRL RLOO normalize_advantages). */
export function standardise(xs: number[]): number[] {
  const m = mean(xs);
  const s = std(xs);
  return xs.map((x) => (x - m) / (s + 1e-4));
}

export interface GroupPolicyInputs {
  /** [B, T, V] logits of the sampling distribution (divided by the temperature) */
  logits: Value;
  /** [B, T] int sampled tokens */
  tokens: Value;
  /** [B, T] 1 on response tokens */
  mask: Value;
  /** [B, T] log pi_old(a_t) at sampling time */
  oldLogprobs: Value;
  /** [B, T] log ref(a_t); read only when beta > 0 */
  refLogprobs: Value | null;
  /** [B] one advantage per response */
  advantages: Value;
}

export interface GroupPolicyOptions {
  epsilon: number;
  /** upper clip (DAPO's clip-higher); TRL epsilon_high defaults to epsilon */
  epsilonHigh: number;
  /** coefficient of the k3 KL term in the loss; 0 drops it */
  beta: number;
  lossType: GroupLossType;
  /** dr_grpo's constant normaliser: B x this */
  maxCompletionLength: number;
}

export interface GroupPolicyOutputs {
  loss: Value;
  kl: Value;
  entropy: Value;
  "clip_ratio/low_mean": Value;
  "clip_ratio/high_mean": Value;
  "clip_ratio/region_mean": Value;
}

export function groupPolicyLoss(inputs: GroupPolicyInputs, o: GroupPolicyOptions): GroupPolicyOutputs {
  const { logits, tokens, mask, oldLogprobs, refLogprobs, advantages } = inputs;
  const g = logits.graph;
  return g.within("group policy loss", () => {
    const dtype = logits.dtype;
    const [B] = mask.shape;
    const logprobs = tokenLogProbs(logits, tokens);
    const ratio = op.exp(op.sub(logprobs, oldLogprobs));
    const A = op.unsqueeze(advantages, -1);
    const unclipped = op.mul(ratio, A);
    const lo = g.scalar(1 - o.epsilon, dtype);
    const hi = g.scalar(1 + o.epsilonHigh, dtype);
    const clippedRatio = op.where(op.less(ratio, lo), lo, op.where(op.greater(ratio, hi), hi, ratio));
    const clipped = op.mul(clippedRatio, A);
    let perToken = op.neg(op.where(op.less(clipped, unclipped), clipped, unclipped));
    const zero = g.scalar(0, dtype);
    let kl: Value = zero;
    if (refLogprobs) {
      const d = op.sub(refLogprobs, logprobs);
      const k3 = op.sub(op.sub(op.exp(d), d), 1);
      kl = maskedMean(k3, mask);
      if (o.beta !== 0) perToken = op.add(perToken, op.mul(k3, o.beta));
    }
    const masked = op.mul(perToken, mask);
    const clampMin1 = (x: Value) => op.where(op.less(x, g.scalar(1, dtype)), g.scalar(1, dtype), x);
    const loss =
      o.lossType === "grpo"
        ? op.div(op.reduceSum(op.div(op.reduceSum(masked, [1]), clampMin1(op.reduceSum(mask, [1]))), null), B)
        : o.lossType === "dapo"
          ? op.div(op.reduceSum(masked, null), clampMin1(op.reduceSum(mask, null)))
          : op.div(op.reduceSum(masked, null), B * o.maxCompletionLength);
    const both = (a: Value, b: Value) => op.mul(op.cast(a, dtype), op.cast(b, dtype));
    const low = both(op.less(ratio, lo), op.less(A, zero));
    const high = both(op.greater(ratio, hi), op.greater(A, zero));
    return {
      loss,
      kl,
      entropy: maskedMean(tokenEntropy(logits), mask),
      "clip_ratio/low_mean": maskedMean(low, mask),
      "clip_ratio/high_mean": maskedMean(high, mask),
      // disjoint: the low side needs A < 0, the high side A > 0
      "clip_ratio/region_mean": maskedMean(op.add(low, high), mask),
    };
  });
}
