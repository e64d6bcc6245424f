/** The contract of `runJob` (see README: Library API): what a caller passes in and gets back. */
import type { JobKind } from "../config/jobs.js";

export type { JobKind, JobConfigInput } from "../config/jobs.js";

export type Metrics = Record<string, number>;

export interface JobOptions {
  /** Everything the job writes lives here; calling again with the same workDir resumes exactly. */
  workDir: string;
  /** Stops at the next step boundary, writes a checkpoint and resolves `{ status: "cancelled" }`. */
  signal?: AbortSignal;
  /** Slash-namespaced scalars (`train/loss`, `eval/loss`, ...), also appended to workDir/metrics.jsonl. */
  onMetrics?(step: number, record: Metrics): void;
  onProgress?(step: number, totalSteps: number): void;
  onLog?(message: string, level: "info" | "warn" | "error"): void;
}

export interface JobResult {
  status: "completed" | "cancelled" | "early_stopped";
  step: number;
  totalSteps: number;
  /** Folder of the last checkpoint written. */
  finalCheckpoint: string;
  /** workDir/best when an evaluation ran, else null. */
  bestCheckpoint: string | null;
  lastEval: Metrics | null;
}

export type RunJob = (kind: JobKind, config: unknown, options: JobOptions) => Promise<JobResult>;
