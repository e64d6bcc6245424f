/**
 * Pretraining off the caller's event loop: runs pretrain/resume in a worker thread and forwards metrics and events
 * as messages, so a service or a CLI stays responsive while ONNX Runtime computes (session.run blocks its thread).
 */
import { Worker } from "node:worker_threads";
import type { Metrics, PretrainData, PretrainResult } from "./loop.js";
import type { PretrainConfigInput } from "../config/pretrain.js";

export type PretrainJob =
  | {
      kind: "pretrain";
      config: PretrainConfigInput;
      data: PretrainData;
      outDir: string;
      tokenizerJson?: string;
      haltAfterStep?: number;
    }
  | { kind: "resume"; outDir: string; haltAfterStep?: number };

export type WorkerMessage =
  | { type: "metrics"; step: number; metrics: Metrics }
  | { type: "event"; message: string }
  | { type: "done"; result: PretrainResult }
  | { type: "error"; name: string; message: string };

export interface PretrainHandlers {
  onMetrics?: (step: number, metrics: Metrics) => void;
  onEvent?: (message: string) => void;
}

/** Starts the job in a worker thread; resolves with the result, rejects with the worker's error (same message). */
export function pretrainInWorker(
  job: PretrainJob,
  handlers: PretrainHandlers = {},
): { result: Promise<PretrainResult>; terminate: () => Promise<number> } {
  const worker = new Worker(new URL("./pretrainWorker.mjs", import.meta.url), { workerData: job });
  const result = new Promise<PretrainResult>((resolve, reject) => {
    let settled = false;
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "metrics") handlers.onMetrics?.(m.step, m.metrics);
      else if (m.type === "event") handlers.onEvent?.(m.message);
      else if (m.type === "done") {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        const err = new Error(m.message);
        err.name = m.name;
        reject(err);
      }
    });
    worker.on("error", (err) => {
      settled = true;
      reject(err);
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`pretraining worker exited with code ${code} before finishing`));
    });
  });
  return { result, terminate: () => worker.terminate() };
}
