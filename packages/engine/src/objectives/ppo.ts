/**
 * PPO for language models (Schulman et al. 2017; Ziegler et al. 2019; Ouyang et al. 2022), as TRL's PPOTrainer
 * computes it, per response token t with mask m_t:
 *
 *   reward:  r_t = -kl_coef kl_t  [+ score of the reward model on the last token], with log-probs of the tempered
 *            sampling distribution and kl_t = log pi_old(a_t) - log ref(a_t) (k1) or, with the k3 estimator of
 *            Schulman's "Approximating KL divergence" (TRL kl_estimator "k3"), kl_t = (e^-d - 1) + d, d = k1;
 *            the score may first be normalised by running moments and clipped (OpenRLHF normalize_reward,
 *            reward_clip_range)
 *   policy:  ratio_t = exp(log pi(a_t) - log pi_old(a_t))
 *            loss/policy = masked_mean( max(-A_t ratio_t, -A_t clip(ratio_t, 1 - eps, 1 + eps)) )
 *   value:   loss/value  = 0.5 masked_mean( max((V_t - R_t)^2, (clip(V_t, V_old - eps_v, V_old + eps_v) - R_t)^2) )
 *   total:   loss = loss/policy + vf_coef loss/value
 *   reported: policy/clipfrac, policy/approxkl = 0.5 masked_mean((log pi - log pi_old)^2), policy/entropy,
 *             val/clipfrac, val/ratio = masked_mean(ratio)
 *
 * Advantages A and returns R come from GAE (gae.ts) on the host, once per rollout batch. The graph part is
 * `ppoLosses`; `klShapedRewards` and `AdaptiveKlController` run on the host between rollouts.
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { maskedMean, tokenLogProbs } from "./sft.js";

/** clip(x, lo, hi) with Where nodes, whose gradient rule passes the gradient only where x was inside. */
function clamp(x: Value, lo: Value, hi: Value): Value {
  return op.where(op.less(x, lo), lo, op.where(op.greater(x, hi), hi, x));
}

function elementwiseMax(a: Value, b: Value): Value {
  return op.where(op.greater(b, a), b, a);
}

export interface PpoInputs {
  /** [B, T, V] policy logits at the response positions */
  logits: Value;
  /** [B, T] int64 sampled response tokens */
  tokens: Value;
  /** [B, T] 1 on response tokens, 0 on padding */
  mask: Value;
  /** [B, T] log pi_old(a_t) from the rollout */
  oldLogprobs: Value;
  /** [B, T] whitened advantages */
  advantages: Value;
  /** [B, T] value head output now, its value at rollout time, and the GAE returns */
  values: Value;
  oldValues: Value;
  returns: Value;
}

export interface PpoOptions {
  cliprange: number;
  cliprangeValue: number;
  vfCoef: number;
}

export interface PpoOutputs {
  loss: Value;
  "loss/policy": Value;
  "loss/value": Value;
  "policy/entropy": Value;
  "policy/clipfrac": Value;
  "policy/approxkl": Value;
  "val/clipfrac": Value;
  "val/ratio": Value;
}

/** Per-token entropy of the sampling distribution, -sum p log p: [B, T, V] -> [B, T]. */
export function tokenEntropy(logits: Value): Value {
  const logp = op.logSoftmax(logits);
  return op.neg(op.reduceSum(op.mul(op.exp(logp), logp), [-1]));
}

export function ppoLosses(inputs: PpoInputs, { cliprange, cliprangeValue, vfCoef }: PpoOptions): PpoOutputs {
  const { logits, tokens, mask, oldLogprobs, advantages, values, oldValues, returns } = inputs;
  const g = logits.graph;
  return g.within("ppo loss", () => {
    const dtype = logits.dtype;
    const logprobs = tokenLogProbs(logits, tokens);
    const logRatio = op.sub(logprobs, oldLogprobs);
    const ratio = op.exp(logRatio);
    const pg1 = op.mul(op.neg(advantages), ratio);
    const pg2 = op.mul(
      op.neg(advantages),
      clamp(ratio, g.scalar(1 - cliprange, dtype), g.scalar(1 + cliprange, dtype)),
    );
    const policyLoss = maskedMean(elementwiseMax(pg1, pg2), mask);

    const clippedValues = clamp(values, op.sub(oldValues, cliprangeValue), op.add(oldValues, cliprangeValue));
    const vf1 = op.sub(values, returns);
    const vf2 = op.sub(clippedValues, returns);
    const vfSquared1 = op.mul(vf1, vf1);
    const vfSquared2 = op.mul(vf2, vf2);
    const valueLoss = op.mul(maskedMean(elementwiseMax(vfSquared1, vfSquared2), mask), 0.5);

    const fraction = (cond: Value) => maskedMean(op.cast(cond, dtype), mask);
    return {
      loss: op.add(policyLoss, op.mul(valueLoss, vfCoef)),
      "loss/policy": policyLoss,
      "loss/value": valueLoss,
      "policy/entropy": maskedMean(tokenEntropy(logits), mask),
      "policy/clipfrac": fraction(op.greater(pg2, pg1)),
      "policy/approxkl": op.mul(maskedMean(op.mul(logRatio, logRatio), mask), 0.5),
      "val/clipfrac": fraction(op.greater(vfSquared2, vfSquared1)),
      "val/ratio": maskedMean(ratio, mask),
    };
  });
}

export interface ShapedRewards {
  /** per-token rewards r_t for GAE */
  rewards: number[][];
  /** per-token KL estimate (k1 or k3 of Schulman's "Approximating KL divergence") */
  kl: number[][];
}

export type KlEstimator = "k1" | "k3";

/** Per-token KL(pi || ref) estimate from the sampled tokens' log-probs; 0 where the mask is 0. */
export function klPerToken(
  logprobs: number[][],
  refLogprobs: number[][],
  mask: number[][],
  estimator: KlEstimator,
): number[][] {
  return logprobs.map((row, b) =>
    row.map((lp, t) => {
      const d = lp - refLogprobs[b][t];
      // k3 = r - 1 - log r with r = ref / pi: unbiased like k1 and never negative
      return (estimator === "k1" ? d : Math.expm1(-d) + d) * mask[b][t];
    }),
  );
}

/** r_t = -klCoef * kl_t, plus the score on each row's last unmasked token. */
export function klShapedRewards(
  logprobs: number[][],
  refLogprobs: number[][],
  scores: number[],
  mask: number[][],
  klCoef: number,
  estimator: KlEstimator = "k1",
): ShapedRewards {
  const kl = klPerToken(logprobs, refLogprobs, mask, estimator);
  const rewards = kl.map((row, b) => {
    const out = row.map((k) => -klCoef * k);
    const last = mask[b].lastIndexOf(1);
    if (last < 0) throw new Error(`klShapedRewards: response ${b} has no unmasked token`);
    out[last] += scores[b];
    return out;
  });
  return { rewards, kl };
}

/**
 * The adaptive KL coefficient of Ziegler et al. 2019 (TRL AdaptiveKLController): a proportional controller that
 * moves klCoef so that the KL per response tracks `target`, with the error clipped to +-20%.
 */
export class AdaptiveKlController {
  constructor(
    public value: number,
    private readonly target: number,
    private readonly horizon: number,
  ) {}

  update(currentKl: number, episodes: number): void {
    const error = Math.max(-0.2, Math.min(0.2, currentKl / this.target - 1));
    this.value *= 1 + (error * episodes) / this.horizon;
  }
}

/** Running mean and variance of every reward seen so far (Chan et al.'s parallel update), saved in checkpoints. */
export interface RewardMoments {
  count: number;
  mean: number;
  /** sum of squared deviations from the mean */
  m2: number;
}

export function updateMoments(m: RewardMoments, xs: number[]): RewardMoments {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const m2 = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  const count = m.count + n;
  const delta = mean - m.mean;
  return {
    count,
    mean: m.mean + (delta * n) / count,
    m2: m.m2 + m2 + (delta * delta * m.count * n) / count,
  };
}

/**
 * The reward-model score as PPO trains on it: standardised by the running moments (OpenRLHF normalize_reward; the
 * moments include the current batch, so the first batch is standardised by itself), then clipped to `clipRange`
 * (OpenRLHF reward_clip_range).
 */
export function processScores(
  scores: number[],
  moments: RewardMoments | null,
  clipRange: readonly [number, number] | undefined,
): number[] {
  const std = moments && moments.count > 1 ? Math.sqrt(moments.m2 / (moments.count - 1)) : 1;
  return scores.map((s) => {
    const x = moments ? (s - moments.mean) / (std + 1e-8) : s;
    return clipRange ? Math.min(clipRange[1], Math.max(clipRange[0], x)) : x;
  });
}
