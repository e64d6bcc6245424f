/** Metric names, slash-namespaced as the field logs them. */
export const METRICS = {
  trainLoss: "train/loss",
} as const;
