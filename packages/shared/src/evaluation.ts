import { z } from "zod";

/** Mirrors the EvaluationStatus enum in prisma/schema.prisma (a test keeps them equal). */
export const EVALUATION_STATUSES = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED"] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/** The evaluation queue's payload: a pointer to the ModelEvaluation row. */
export const evaluationJobSchema = z.strictObject({ evaluationId: z.string().min(1) });
export type EvaluationJob = z.infer<typeof evaluationJobSchema>;

/**
 * The scalars an evaluation stores in ModelEvaluation.metrics (a metric that does not apply to the model's
 * kind is absent). Perplexities are exp(mean negative log-likelihood in nats per token).
 */
export const EVALUATION_METRICS = {
  /** Every model: mean NLL (nats/token) and perplexity on the snapshot's validation split. */
  validationNll: "eval/validation_nll",
  validationPerplexity: "eval/validation_perplexity",
  /** Every model: the same on the platform's fixed evaluation set (apps/trainer/eval-set). */
  evalSetNll: "eval/evalset_nll",
  evalSetPerplexity: "eval/evalset_perplexity",
  /** Reward models: accuracy on the held-out preference pairs (real pairs only) and how many there were. */
  rewardAccuracy: "reward/accuracy",
  rewardPairs: "reward/pairs",
  /** Policies against their parent, judged by a reward model. */
  winRate: "policy/win_rate",
  lengthControlledWinRate: "policy/lc_win_rate",
  meanLength: "policy/mean_length",
  parentMeanLength: "policy/parent_mean_length",
  klToParent: "policy/kl_to_parent",
} as const;

/** One sample generation on a fixed evaluation prompt, with the seed that produced it. */
export interface EvaluationSample {
  promptId: string;
  prompt: string;
  seed: number;
  text: string;
}
