/** Direct preference optimisation on `{"prompt","chosen","rejected"}` pairs (objectives/dpo.ts). */
import { z } from "zod";
import { postTrainRunShape } from "./posttrain.js";

export const DpoConfigSchema = z.strictObject({
  /** TRL DPOConfig learning_rate 1e-6. */
  ...postTrainRunShape(1e-6),
  /** Strength of the implicit KL constraint (Rafailov et al. 2023; TRL DPOConfig beta 0.1). */
  beta: z.number().positive().default(0.1),
  /** "sigmoid": the DPO loss; "ipo": Azar et al. 2023, on length-averaged log-probs (TRL DPOConfig loss_type "sigmoid"). */
  lossType: z.enum(["sigmoid", "ipo"]).default("sigmoid"),
  /** Probability that a label is flipped, conservative DPO (Mitchell 2023; TRL DPOConfig label_smoothing 0). */
  labelSmoothing: z.number().min(0).lt(0.5).default(0),
  /**
   * Weight of the NLL of the chosen responses added to the loss (RPO, Pang et al. 2024; TRL DPOConfig rpo_alpha,
   * off by default). Keeps the chosen replies likely, which small models otherwise lose while the margin grows.
   */
  rpoAlpha: z.number().min(0).default(0),
});
export type DpoConfigInput = z.input<typeof DpoConfigSchema>;
export type DpoConfig = z.output<typeof DpoConfigSchema>;
