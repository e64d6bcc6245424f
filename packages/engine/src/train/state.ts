/**
 * trainer_state.json: everything besides weights and optimizer tensors that a run needs to resume bit for bit
 * (step, RNG, data position, monitor state) plus the recent metrics a human looks at. Every piece of serialized
 * training state has its schema here, so one file describes the format; the classes that own the state import it.
 * Pure zod: safe for the light config entry point and the web app.
 */
import { z } from "zod";

export const TRAINER_STATE_FORMAT_VERSION = 1;

const uint32 = z.number().int().min(0).max(0xffffffff);
const count = z.number().int().min(0);

/** The four xoshiro128** words of src/util/rng.ts. */
export const RngStateSchema = z.tuple([uint32, uint32, uint32, uint32]);

/** Where TokenBatches stands: the epoch's shuffle is Rng(seed + epoch); position counts sequences taken this epoch. */
export const DataCursorSchema = z.strictObject({
  seed: uint32,
  epoch: count,
  position: count,
});
export type DataCursor = z.infer<typeof DataCursorSchema>;

export const EarlyStoppingStateSchema = z.strictObject({
  bestLoss: z.number().nullable(),
  evalsWithoutImprovement: count,
});
export type EarlyStoppingState = z.infer<typeof EarlyStoppingStateSchema>;

export const LossSpikeStateSchema = z.strictObject({
  /** The most recent accepted (non-spike) losses, oldest first, at most `window` of them. */
  history: z.array(z.number()),
});
export type LossSpikeState = z.infer<typeof LossSpikeStateSchema>;

export const DivergenceStateSchema = z.strictObject({
  /** The loss of the run's first step, which later losses are compared with (null before it). */
  reference: z.number().nullable(),
  /** Steps in a row whose loss is above factor x reference. */
  strikes: count,
});
export type DivergenceState = z.infer<typeof DivergenceStateSchema>;

export const LossPointSchema = z.strictObject({ step: count, loss: z.number() });

export const TrainerStateSchema = z.strictObject({
  formatVersion: z.literal(TRAINER_STATE_FORMAT_VERSION),
  /** Optimizer updates completed; the next update is number `step` (0-based). */
  step: count,
  epoch: count,
  tokensSeen: count,
  rng: RngStateSchema,
  dataCursor: DataCursorSchema,
  bestEvalLoss: z.number().nullable(),
  bestStep: count.nullable(),
  earlyStopping: EarlyStoppingStateSchema,
  spikeDetector: LossSpikeStateSchema,
  divergence: DivergenceStateSchema.default({ reference: null, strikes: 0 }),
  /** State an objective carries between steps besides weights (PPO: the adaptive KL coefficient). */
  objective: z.record(z.string(), z.number()).default({}),
  /** Recent training losses for humans and plots (the metrics callback has the full record). */
  lossHistory: z.array(LossPointSchema),
  /** Recent evaluation losses. */
  evalHistory: z.array(LossPointSchema).default([]),
  /** Updates skipped by the loss-spike detector so far. */
  skippedSteps: count.default(0),
  wallTimeSeconds: z.number().min(0),
});
export type TrainerState = z.infer<typeof TrainerStateSchema>;

/** The state of a run before its first update. */
export function initialTrainerState(opts: {
  seed: number;
  rng: z.infer<typeof RngStateSchema>;
}): TrainerState {
  return {
    formatVersion: TRAINER_STATE_FORMAT_VERSION,
    step: 0,
    epoch: 0,
    tokensSeen: 0,
    rng: opts.rng,
    dataCursor: { seed: opts.seed >>> 0, epoch: 0, position: 0 },
    bestEvalLoss: null,
    bestStep: null,
    earlyStopping: { bestLoss: null, evalsWithoutImprovement: 0 },
    spikeDetector: { history: [] },
    divergence: { reference: null, strikes: 0 },
    objective: {},
    lossHistory: [],
    evalHistory: [],
    skippedSteps: 0,
    wallTimeSeconds: 0,
  };
}

/** Parses trainer_state.json content; errors name the field (`trainer_state.json: dataCursor.epoch: ...`). */
export function parseTrainerState(value: unknown, source = "trainer_state.json"): TrainerState {
  const result = TrainerStateSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`${source}: invalid trainer state: ${problems}`);
  }
  return result.data;
}
