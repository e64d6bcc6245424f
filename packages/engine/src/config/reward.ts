/**
 * Reward-model training on preference pairs or k-wise rankings (objectives/reward.ts). An example is a record, so
 * `batchSize` counts records (a pair, or a ranking with all the pairs it implies): each answer is scored once a step.
 */
import { z } from "zod";
import { postTrainRunShape } from "./posttrain.js";

export const RewardConfigSchema = z.strictObject({
  /** TRL RewardConfig learning_rate 1e-4. */
  ...postTrainRunShape(1e-4),
  /**
   * Coefficient of the reward-centring term mean((r_chosen + r_rejected)^2) (Eisenstein et al. 2023, eq. 2; TRL
   * RewardConfig center_rewards_coefficient, off by default; TRL recommends 0.01 when used).
   */
  centerRewardsCoefficient: z.number().min(0).default(0),
  /**
   * Margin added per rank of distance between the two responses of a pair from a k-wise ranking (Llama 2's margin
   * loss uses a margin that grows with the preference gap). 0, no margin, matches TRL when the data has no
   * "margin" column; a pair file's own "margin" field is used as is.
   */
  marginPerRank: z.number().min(0).default(0),
  /**
   * How the comparisons implied by rankings are averaged: "prompt" weighs each prompt's C(K,2) pairs by 1/C(K,2)
   * (InstructGPT, Ouyang et al. 2022 eq. 1) so prompts with many responses do not dominate; "pair" is TRL's plain mean.
   */
  pairWeighting: z.enum(["prompt", "pair"]).default("prompt"),
});
export type RewardConfigInput = z.input<typeof RewardConfigSchema>;
export type RewardConfig = z.output<typeof RewardConfigSchema>;
