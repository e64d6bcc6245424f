import { runJob, type JobKind, type JobResult } from "@rlhf/engine";
import type { RunKind, TorchJobKind } from "@rlhf/shared";
import { runTorchJob } from "../backends/torch";
import type { TrainTask } from "../child/messages";
import { exportForBrowsers } from "./export";
import { dpoHandler } from "./dpo";
import { ppoHandler } from "./ppo";
import { pretrainHandler } from "./pretrain";
import { rewardHandler } from "./reward";
import { sftHandler } from "./sft";
import type { RunHandler, RunReporter } from "./types";

/** One handler per run kind; the type makes a new RunKind without a handler a compile error. */
export const HANDLERS: { [K in RunKind & JobKind]: RunHandler<K> } = {
  pretrain: pretrainHandler,
  sft: sftHandler,
  reward: rewardHandler,
  dpo: dpoHandler,
  ppo: ppoHandler,
};

export interface TrainResult extends JobResult {
  /** The transformers.js export of the final checkpoint, or null when the engine cannot write one. */
  exportDir: string | null;
}

/**
 * Runs a training task: the kind's handler builds the job's config, the engine (or the torch backend, which reads
 * the same config) trains in task.workDir (resuming from its last checkpoint on a retry), and a finished model is
 * exported for transformers.js.
 */
export async function runTraining(
  task: TrainTask,
  context: { signal: AbortSignal; report: RunReporter },
): Promise<TrainResult> {
  const { report } = context;
  const handler = HANDLERS[task.kind] as RunHandler<RunKind>;
  const config = await handler.engineConfig(task.config, task.inputs, task.workDir, report);
  const options = {
    workDir: task.workDir,
    signal: context.signal,
    onProgress: report.progress,
    onMetrics: report.metrics,
    onLog: (message: string, level: "info" | "warn" | "error") => report.log(message, level),
  };
  // validateRunInputs refused the torch backend for kinds it does not train.
  const result =
    task.backend === "torch"
      ? await runTorchJob(task.kind as TorchJobKind, config, { ...options, torch: task.backendOptions })
      : await runJob(task.kind, config, options);
  // A reward model scores answers; it has no text to generate in a browser.
  const exportDir =
    result.status === "cancelled" || task.kind === "reward"
      ? null
      : exportForBrowsers(result.finalCheckpoint, task.workDir, report);
  return { ...result, exportDir };
}
