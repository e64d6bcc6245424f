/** BullMQ queue names. */
export const QUEUES = {
  training: "training",
  /** Automatic evaluation of a registered model version (one job per ModelEvaluation row). */
  evaluation: "evaluation",
} as const;
