import type { JobConfigInput, JobKind } from "@rlhf/engine/config";
import type { RunConfig, RunKind } from "@rlhf/shared";
import type { RunInputFiles } from "../child/messages";

/** How a handler reports; each call becomes an IPC message to the trainer, which writes it to Postgres. */
export interface RunReporter {
  progress(step: number, totalSteps: number): void;
  /** Scalars for one step, keyed by slash-namespaced metric name (`train/loss`, `eval/loss`, ...). */
  metrics(step: number, values: Record<string, number>): void;
  log(message: string, level?: "info" | "warn" | "error"): void;
}

/**
 * The work of one run kind before the engine takes over: turning the run's hyper-parameters and input files into
 * the engine job's config (every input a file path). It runs in a child process (src/child), never in the
 * worker's process. A new engine kind (GRPO, ...) is one more file like this.
 */
export interface RunHandler<K extends RunKind & JobKind> {
  engineConfig(
    config: RunConfig<K>,
    inputs: RunInputFiles,
    workDir: string,
    report: RunReporter,
  ): Promise<JobConfigInput<K>>;
}
