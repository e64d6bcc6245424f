/**
 * GRPO (Shao et al. 2024, "DeepSeekMath", arXiv:2402.03300; objectives/grpo.ts, posttrain/group-rl.ts). Defaults and
 * names are TRL's GRPOConfig unless said otherwise. The loss aggregations are Dr. GRPO's (Liu et al. 2025,
 * "Understanding R1-Zero-Like Training", arXiv:2503.20783) and DAPO's (Yu et al. 2025, arXiv:2503.14476).
 */
import { z } from "zod";
import { postTrainRunShape } from "./posttrain.js";

/**
 * What GRPO and RLOO share: where rewards come from, the G samples per prompt, sampling and the clipped objective.
 * A step samples `batchSize` responses (batchSize / numGenerations prompts, TRL's per-device batch counted in
 * completions), then makes `numIterations` updates on them; `maxSteps`, `evalEvery`, `saveEvery` count steps.
 */
export function groupRolloutShape(d: { learningRate: number; numGenerations: number; beta: number }) {
  return {
    ...postTrainRunShape(d.learningRate),
    /** Reward model checkpoint (trained by `engine reward`) that scores each response. */
    rewardCheckpoint: z.string().min(1).optional(),
    /**
     * A reward function registered in code (posttrain/reward-functions.ts, `registerRewardFunction`), for tasks
     * whose answers can be checked. Exactly one of rewardCheckpoint and rewardFunction.
     */
    rewardFunction: z.string().min(1).optional(),
    /** Responses sampled per prompt, G (TRL num_generations). */
    numGenerations: z.number().int().min(2).default(d.numGenerations),
    /** Tokens generated per response (TRL max_completion_length 256). */
    maxCompletionLength: z.number().int().positive().default(256),
    /** Sampling temperature (TRL temperature 1.0); log-probs are of the same tempered distribution. */
    temperature: z.number().positive().default(1),
    /** Coefficient of the KL to the reference (TRL beta); 0 leaves the reference out of the objective. */
    beta: z.number().min(0).default(d.beta),
    /** Lower clip of the ratio (TRL epsilon 0.2). */
    epsilon: z.number().positive().default(0.2),
    /** Upper clip of the ratio (DAPO's clip-higher, 0.28 there; TRL epsilon_high defaults to epsilon). */
    epsilonHigh: z.number().positive().optional(),
    /** Updates per generation batch, mu (TRL num_iterations 1). */
    numIterations: z.number().int().positive().default(1),
  };
}

/** The refinement both kinds apply: a reward model or a reward function, never both or neither. */
export const exactlyOneReward = (c: { rewardCheckpoint?: string; rewardFunction?: string }) =>
  (c.rewardCheckpoint === undefined) !== (c.rewardFunction === undefined);
export const REWARD_SOURCE = {
  message: "give exactly one of rewardCheckpoint and rewardFunction",
  path: ["rewardCheckpoint"],
};

export const GrpoConfigSchema = z
  .strictObject({
    /** TRL GRPOConfig learning_rate 1e-6, num_generations 8, beta 0.0 (no reference model needed). */
    ...groupRolloutShape({ learningRate: 1e-6, numGenerations: 8, beta: 0 }),
    /**
     * How advantages are scaled (TRL scale_rewards "group"): by the std of the prompt's group, of the whole batch
     * ("batch", as Dr. GRPO and others recommend against the group's difficulty bias), or not at all ("none").
     */
    scaleRewards: z.enum(["group", "batch", "none"]).default("group"),
    /** Loss aggregation (TRL loss_type "dapo"): "grpo" per response then over responses, "dapo", "dr_grpo". */
    lossType: z.enum(["grpo", "dr_grpo", "dapo"]).default("dapo"),
  })
  .refine(exactlyOneReward, REWARD_SOURCE);
export type GrpoConfigInput = z.input<typeof GrpoConfigSchema>;
export type GrpoConfig = z.output<typeof GrpoConfigSchema>;
