/**
 * RLHF with PPO (objectives/ppo.ts, posttrain/ppo-loop.ts). Defaults are TRL's PPOConfig (0.12 and later, the
 * Huang et al. 2024 "N+ implementation details of RLHF" reimplementation) unless said otherwise.
 */
import { z } from "zod";
import { postTrainRunShape } from "./posttrain.js";

export const AdaptiveKlSchema = z.strictObject({
  /** Target KL per response (Ziegler et al. 2019; TRL PPOConfig <= 0.11 target 6). */
  target: z.number().positive().default(6),
  /** Horizon of the proportional controller in episodes (Ziegler et al. 2019; TRL <= 0.11 horizon 10000). */
  horizon: z.number().positive().default(10000),
});

export const PpoConfigSchema = z.strictObject({
  /** TRL PPOConfig learning_rate 3e-6. */
  ...postTrainRunShape(3e-6),
  /** Reward model checkpoint that scores the sampled responses (trained by `engine reward`). */
  rewardCheckpoint: z.string().min(1),
  /**
   * A PPO step is one iteration: `batchSize` rollouts, then ppoEpochs x miniBatches updates. So `maxSteps` caps
   * iterations, and `evalEvery` / `saveEvery` / `logEvery` count iterations; `microBatches` splits each minibatch.
   */
  /** Total prompts sampled over the run (TRL total_episodes; by default one pass over the prompts, `epochs` times). */
  totalEpisodes: z.number().int().positive().optional(),
  /** Tokens generated per response (TRL response_length 53). */
  responseLength: z.number().int().positive().default(53),
  /**
   * Sampling temperature of the rollouts (TRL temperature 0.7); top-k and top-p are off, as in TRL. Every log-prob
   * (rollout, reference, training) is of the same tempered distribution, logits / temperature, as TRL computes it.
   */
  temperature: z.number().positive().default(0.7),
  /** Score subtracted from responses that never emit the end-of-turn token (TRL missing_eos_penalty, off). */
  missingEosPenalty: z.number().min(0).optional(),
  /** KL penalty coefficient (TRL kl_coef 0.05). */
  klCoef: z.number().min(0).default(0.05),
  /**
   * KL estimator of the per-token penalty (Schulman 2020, "Approximating KL divergence"; TRL kl_estimator "k1"):
   * k1 = log pi - log ref, or k3 = (ref/pi - 1) - log(ref/pi), unbiased too and never negative.
   */
  klEstimator: z.enum(["k1", "k3"]).default("k1"),
  /**
   * Standardise the reward model's scores by the running mean and standard deviation of every score so far
   * (OpenRLHF normalize_reward, off).
   */
  normalizeReward: z.boolean().default(false),
  /** Clip the (normalised) scores to [lo, hi] (OpenRLHF reward_clip_range; off as in TRL). */
  rewardClipRange: z
    .tuple([z.number(), z.number()])
    .refine(([lo, hi]) => lo < hi, "rewardClipRange: lo must be below hi")
    .optional(),
  /** Adapt klCoef towards a target KL (Ziegler et al. 2019; TRL <= 0.11 adap_kl_ctrl). Absent: fixed klCoef. */
  adaptiveKl: AdaptiveKlSchema.optional(),
  /** PPO ratio clipping epsilon (Schulman et al. 2017; TRL cliprange 0.2). */
  cliprange: z.number().positive().default(0.2),
  /** Value clipping around the rollout's values (TRL cliprange_value 0.2). */
  cliprangeValue: z.number().positive().default(0.2),
  /** Weight of the value loss (TRL vf_coef 0.1). */
  vfCoef: z.number().min(0).default(0.1),
  /** Discount (TRL gamma 1.0: a response is one episode). */
  gamma: z.number().min(0).max(1).default(1),
  /** GAE lambda (TRL lam 0.95). */
  lam: z.number().min(0).max(1).default(0.95),
  /** Optimisation passes over each rollout batch (TRL num_ppo_epochs 4). */
  ppoEpochs: z.number().int().positive().default(4),
  /** Minibatches per rollout batch (TRL num_mini_batches 1). */
  miniBatches: z.number().int().positive().default(1),
  /** Whiten the per-token rewards before GAE (TRL whiten_rewards false); advantages are always whitened. */
  whitenRewards: z.boolean().default(false),
});
export type PpoConfigInput = z.input<typeof PpoConfigSchema>;
export type PpoConfig = z.output<typeof PpoConfigSchema>;
