import { fork } from "node:child_process";
import type { ChildMessage, ChildTask, LogLevel, ParentMessage } from "./messages";

const ENTRY = new URL("./entry.ts", import.meta.url);
// The child is TypeScript too: load it through tsx (resolved from the working directory, inside the repository),
// whatever the parent was started with.
const TSX_LOADER = "tsx";

/** The child died without reporting a result (killed, out of memory): its task can be started again. */
export class ChildCrashedError extends Error {
  constructor(code: number | null, signal: NodeJS.Signals | null) {
    super(`the run child exited without a result (code ${code}, signal ${signal})`);
    this.name = "ChildCrashedError";
  }
}

export interface ChildReports {
  onProgress?(step: number, totalSteps: number): Promise<void>;
  onMetrics?(step: number, values: Record<string, number>): Promise<void>;
  onLog?(level: LogLevel, message: string): Promise<void>;
}

export interface ChildRun<R> {
  /** Resolves with the task's result after the last report has been applied; rejects with the task's error. */
  result: Promise<R>;
  /** Asks the task to stop at its next step boundary (training: a checkpoint is written first). */
  cancel(): void;
}

/**
 * Runs a task in a child process. Reports are applied one at a time in arrival order, so a metric written before
 * the result is always in the database when the result resolves.
 */
export function runInChild<R>(task: ChildTask, reports: ChildReports): ChildRun<R> {
  const child = fork(ENTRY, [], {
    execArgv: ["--import", TSX_LOADER],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const send = (message: ParentMessage) => {
    if (child.connected) child.send(message);
  };
  const result = new Promise<R>((resolve, reject) => {
    let applied = Promise.resolve();
    let outcome: ChildMessage | undefined;
    const apply = (work: (() => Promise<void>) | undefined) => {
      if (!work) return;
      applied = applied.then(work);
      applied.catch(() => child.kill("SIGKILL"));
    };
    child.on("message", (message: ChildMessage) => {
      if (message.type === "progress")
        apply(reports.onProgress && (() => reports.onProgress!(message.step, message.totalSteps)));
      else if (message.type === "metrics")
        apply(reports.onMetrics && (() => reports.onMetrics!(message.step, message.values)));
      else if (message.type === "log")
        apply(reports.onLog && (() => reports.onLog!(message.level, message.message)));
      else outcome = message;
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      applied.then(() => {
        if (outcome?.type === "done") resolve(outcome.result as R);
        else if (outcome?.type === "error") reject(new Error(outcome.message));
        else reject(new ChildCrashedError(code, signal));
      }, reject);
    });
  });
  send({ type: "start", task });
  return { result, cancel: () => send({ type: "cancel" }) };
}
