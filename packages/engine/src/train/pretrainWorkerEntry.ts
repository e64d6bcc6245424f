/** Worker-thread entry of pretrainInWorker (worker.ts): runs the job and posts WorkerMessages. */
import { parentPort, workerData } from "node:worker_threads";
import { pretrain, resumePretraining } from "./loop.js";
import type { PretrainJob, WorkerMessage } from "./worker.js";

const job = workerData as PretrainJob;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const handlers = {
  onMetrics: (step: number, metrics: Record<string, number>) => post({ type: "metrics", step, metrics }),
  onEvent: (message: string) => post({ type: "event", message }),
  haltAfterStep: job.haltAfterStep,
};

try {
  const result =
    job.kind === "pretrain"
      ? await pretrain({
          config: job.config,
          data: job.data,
          outDir: job.outDir,
          tokenizerJson: job.tokenizerJson,
          ...handlers,
        })
      : await resumePretraining(job.outDir, handlers);
  post({ type: "done", result });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: "error", name: e.name, message: e.message });
}
