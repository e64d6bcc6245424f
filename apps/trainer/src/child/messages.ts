import type { RunBackend, RunConfig, RunKind, TorchBackendOptionsInput } from "@rlhf/shared";

/** The files a training run reads, resolved from its ids by the trainer (packages/db/src/runs). */
export interface RunInputFiles {
  snapshotDir: string;
  /** The base model's checkpoint folder (every kind but pretrain). */
  baseDir: string | null;
  /** PPO's reward model checkpoint folder. */
  rewardDir: string | null;
}

export interface TrainTask {
  type: "train";
  kind: RunKind;
  config: RunConfig<RunKind>;
  inputs: RunInputFiles;
  workDir: string;
  backend: RunBackend;
  /** The torch backend's options (processes, precision, strategy). */
  backendOptions?: TorchBackendOptionsInput;
}

export interface EvaluateTask {
  type: "evaluate";
  /** The version's checkpoint folder and kind. */
  modelDir: string;
  modelKind: "BASE" | "SFT" | "REWARD" | "POLICY";
  /** The snapshot it was trained on (its validation split), when known. */
  snapshotDir: string | null;
  parentDir: string | null;
  judgeDir: string | null;
}

export type ChildTask = TrainTask | EvaluateTask;

/** Parent -> child: the task, then possibly a cancel (the child aborts the job's AbortSignal). */
export type ParentMessage = { type: "start"; task: ChildTask } | { type: "cancel" };

export type LogLevel = "info" | "warn" | "error";

/** Child -> parent. */
export type ChildMessage =
  | { type: "progress"; step: number; totalSteps: number }
  | { type: "metrics"; step: number; values: Record<string, number> }
  | { type: "log"; level: LogLevel; message: string }
  | { type: "done"; result: unknown }
  | { type: "error"; message: string };
