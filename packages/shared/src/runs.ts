import { z } from "zod";

/** Kinds of TrainingRun the trainer can execute; each has one handler in apps/trainer/src/handlers/<kind>.ts. */
export const RUN_KINDS = ["demo"] as const;
export const runKindSchema = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof runKindSchema>;

export const RUN_STATUSES = ["PENDING", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED"] as const;
export const runStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof runStatusSchema>;
export const isTerminalStatus = (status: RunStatus) => status === "SUCCEEDED" || status === "FAILED";

/**
 * PLACEHOLDER job: the `demo` run counts steps with a sleep and reports a toy decaying loss. It exists so the
 * plumbing (outbox, queue, worker, progress, metrics, UI) is exercised end to end before real engine jobs land.
 */
export const demoRunConfigSchema = z.strictObject({
  steps: z.number().int().min(1).max(10_000).default(20),
  stepMs: z.number().int().min(0).max(60_000).default(150),
  /** Step at which the run throws, to exercise the FAILED path; omitted: never. */
  failAtStep: z.number().int().min(1).optional(),
});
export type DemoRunConfig = z.infer<typeof demoRunConfigSchema>;

/** The config schema of each run kind; a run's `config` column holds the parsed (defaults filled) value. */
export const runConfigSchemas = {
  demo: demoRunConfigSchema,
} as const satisfies Record<RunKind, z.ZodType>;
export type RunConfig<K extends RunKind> = z.infer<(typeof runConfigSchemas)[K]>;

/** The BullMQ job payload: a pointer to the TrainingRun row, which holds the config (single source of truth). */
export const trainingJobSchema = z.strictObject({
  runId: z.string().min(1),
  kind: runKindSchema,
});
export type TrainingJob = z.infer<typeof trainingJobSchema>;
