/**
 * What the training harness (train/harness.ts) watches, the same for every job kind: early stopping on the
 * evaluation loss, loss-spike skipping and the divergence stop. Pure zod: safe for the light config entry point.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();

export const EarlyStoppingConfigSchema = z.strictObject({
  /** Evaluations in a row without improvement before the run stops (Hugging Face EarlyStoppingCallback). */
  patience: positiveInt.default(5),
  /** An evaluation loss must beat the best by more than this to count as an improvement. */
  minDelta: z.number().min(0).default(0),
});

export const LossSpikeConfigSchema = z.strictObject({
  /** Recent accepted training losses the mean and standard deviation are taken over. */
  window: z.number().int().min(2).default(100),
  /** A loss this many standard deviations above the window's mean is a spike (after 20 steps of history). */
  zThreshold: z.number().positive().default(6),
  /** Drop the update of a step whose loss is a spike (its batch is still consumed). */
  skipUpdate: z.boolean().default(true),
});

/**
 * The divergence stop. The reference is the loss of the run's first step (at initialisation a language model's
 * loss is about log(vocab), above any unigram model; a preference loss starts at log 2). A run whose training
 * loss stays above `factor` x the reference for `patience` steps in a row has diverged: it stops with an error
 * naming the step, and no checkpoint taken while the loss is above the line is ever marked best. Independently,
 * an update that would move any layer group by more than `maxUpdateRatio` times its own norm in one step (a
 * corrupting update: lr far too high) or that is not finite stops the run before it is applied.
 */
export const DivergenceConfigSchema = z.strictObject({
  factor: z.number().gt(1).default(3),
  patience: positiveInt.default(5),
  maxUpdateRatio: z.number().positive().default(1),
});

/** The monitor fields every job config has. */
export const monitorShape = {
  earlyStopping: EarlyStoppingConfigSchema.prefault({}),
  lossSpike: LossSpikeConfigSchema.prefault({}),
  divergence: DivergenceConfigSchema.prefault({}),
};
export type MonitorConfig = {
  earlyStopping: z.output<typeof EarlyStoppingConfigSchema>;
  lossSpike: z.output<typeof LossSpikeConfigSchema>;
  divergence: z.output<typeof DivergenceConfigSchema>;
};
