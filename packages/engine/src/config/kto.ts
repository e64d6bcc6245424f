/**
 * KTO on unpaired `{"prompt","completion","label": true|false}` data (Ethayarajh et al. 2024, "KTO: Model Alignment
 * as Prospect Theoretic Optimization", arXiv:2402.01306; objectives/kto.ts): thumbs-up / thumbs-down labels and
 * arena "both bad" votes feed it without pairing. Defaults are TRL's KTOConfig.
 */
import { z } from "zod";
import { postTrainRunShape } from "./posttrain.js";

export const KtoConfigSchema = z.strictObject({
  /** TRL KTOConfig learning_rate 1e-6. */
  ...postTrainRunShape(1e-6),
  /** Strength of the implicit KL constraint (TRL KTOConfig beta 0.1). */
  beta: z.number().positive().default(0.1),
  /**
   * Weights of the desirable and undesirable losses (TRL desirable_weight, undesirable_weight 1.0); the paper
   * suggests w_d n_d / (w_u n_u) in [1, 4/3] when the two kinds are unbalanced.
   */
  desirableWeight: z.number().positive().default(1),
  undesirableWeight: z.number().positive().default(1),
});
export type KtoConfigInput = z.input<typeof KtoConfigSchema>;
export type KtoConfig = z.output<typeof KtoConfigSchema>;
