/** Direct preference optimisation on `{"prompt","chosen","rejected"}` pairs (objectives/dpo.ts). */
import { z } from "zod";
import { postTrainRunShape } from "./posttrain.js";

export const DpoConfigSchema = z.strictObject({
  /** TRL DPOConfig learning_rate 1e-6. */
  ...postTrainRunShape(1e-6),
  /** Strength of the implicit KL constraint (Rafailov et al. 2023; TRL DPOConfig beta 0.1). */
  beta: z.number().positive().default(0.1),
  /**
   * The preference loss (objectives/dpo.ts; TRL DPOConfig loss_type "sigmoid"): "sigmoid" the DPO loss; "ipo" Azar
   * et al. 2023 on length-averaged log-probs; "hinge" SLiC (Zhao et al. 2023); "robust" Chowdhury et al. 2024,
   * unbiased under label noise `labelSmoothing`; "simpo" SimPO (Meng et al. 2024, TRL CPOTrainer loss_type
   * "simpo"; its paper uses beta 2 to 2.5 with `simpoGamma`); "orpo" ORPO (Hong et al. 2024, TRL ORPOTrainer; beta
   * is the paper's lambda, 0.1 as TRL). SimPO and ORPO need no reference model: no reference pass is run.
   */
  lossType: z.enum(["sigmoid", "ipo", "hinge", "robust", "simpo", "orpo"]).default("sigmoid"),
  /**
   * Probability that a label is flipped: conservative DPO (Mitchell 2023) for sigmoid and simpo, the noise rate of
   * robust DPO (TRL DPOConfig label_smoothing 0).
   */
  labelSmoothing: z.number().min(0).lt(0.5).default(0),
  /** Treat the reference log-probs as 0: DPO against a uniform reference (TRL DPOConfig reference_free false). */
  referenceFree: z.boolean().default(false),
  /** SimPO's target reward margin gamma (Meng et al. 2024; TRL CPOConfig simpo_gamma 0.5). */
  simpoGamma: z.number().min(0).default(0.5),
  /**
   * Weight of the NLL of the chosen responses added to the loss (RPO, Pang et al. 2024; TRL DPOConfig rpo_alpha,
   * off by default). Keeps the chosen replies likely, which small models otherwise lose while the margin grows.
   */
  rpoAlpha: z.number().min(0).default(0),
});
export type DpoConfigInput = z.input<typeof DpoConfigSchema>;
export type DpoConfig = z.output<typeof DpoConfigSchema>;
