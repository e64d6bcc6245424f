/**
 * RLOO: REINFORCE with a leave-one-out baseline (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style
 * Optimization for Learning from Human Feedback in LLMs", arXiv:2402.14740; objectives/grpo.ts). Defaults and names
 * are TRL's RLOOConfig: k = num_generations samples per prompt, the KL to the reference (k1 summed over the
 * response) subtracted from each reward with coefficient beta, the same clipped objective as GRPO, each response's
 * loss a mean over its tokens.
 */
import { z } from "zod";
import { REWARD_SOURCE, exactlyOneReward, groupRolloutShape } from "./grpo.js";

export const RlooConfigSchema = z
  .strictObject({
    /** TRL RLOOConfig learning_rate 1e-6, num_generations 2, beta 0.05. */
    ...groupRolloutShape({ learningRate: 1e-6, numGenerations: 2, beta: 0.05 }),
    /** Standardise the advantages over the batch (TRL normalize_advantages false). */
    normalizeAdvantages: z.boolean().default(false),
  })
  .refine(exactlyOneReward, REWARD_SOURCE);
export type RlooConfigInput = z.input<typeof RlooConfigSchema>;
export type RlooConfig = z.output<typeof RlooConfigSchema>;
