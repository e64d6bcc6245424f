import { fork } from "node:child_process";
import type { RunKind } from "@rlhf/shared";
import type { ChildMessage, StartMessage } from "./messages";

const ENTRY = new URL("./entry.ts", import.meta.url);
// The child is TypeScript too: load it through tsx (resolved from the working directory, inside the repository),
// whatever the parent was started with.
const TSX_LOADER = "tsx";

export interface ChildReports {
  onProgress(step: number, totalSteps: number): Promise<void>;
  onMetrics(step: number, values: Record<string, number>): Promise<void>;
}

/**
 * Runs the handler for `kind` in a child process. Reports are applied one at a time in arrival order; the
 * promise settles after the last one has been applied: resolves on success, rejects with the handler's error.
 */
export function runInChild(kind: RunKind, config: unknown, reports: ChildReports): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(ENTRY, [], {
      execArgv: ["--import", TSX_LOADER],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let applied = Promise.resolve();
    let outcome: ChildMessage | undefined;
    const apply = (work: () => Promise<void>) => {
      applied = applied.then(work);
      applied.catch(() => child.kill("SIGKILL"));
    };
    child.on("message", (message: ChildMessage) => {
      if (message.type === "progress") apply(() => reports.onProgress(message.step, message.totalSteps));
      else if (message.type === "metrics") apply(() => reports.onMetrics(message.step, message.values));
      else outcome = message;
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      applied.then(() => {
        if (outcome?.type === "done") resolve();
        else if (outcome?.type === "error") reject(new Error(outcome.message));
        else reject(new Error(`run child exited without a result (code ${code}, signal ${signal})`));
      }, reject);
    });
    const start: StartMessage = { type: "start", kind, config };
    child.send(start);
  });
}
