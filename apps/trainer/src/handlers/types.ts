import type { RunConfig, RunKind } from "@rlhf/shared";

/** How a handler reports; each call becomes an IPC message to the trainer, which writes it to Postgres and the job. */
export interface RunReporter {
  progress(step: number, totalSteps: number): void;
  /** Scalars for one step, keyed by slash-namespaced metric name (METRICS in @rlhf/shared). */
  metrics(step: number, values: Record<string, number>): void;
}

/**
 * The work of one run kind. It runs in a child process (apps/trainer/src/child), never in the worker's process,
 * so heavy compute cannot starve the job-lock renewals and a crash takes down only the child.
 */
export interface RunHandler<K extends RunKind> {
  run(config: RunConfig<K>, report: RunReporter): Promise<void>;
}
