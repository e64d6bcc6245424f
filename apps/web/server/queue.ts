import { createTrainingQueue, queueBackendFromEnv, type TrainingQueue } from "@rlhf/shared/queue";
import { log } from "./log";

const cache = globalThis as unknown as { __rlhfTrainingQueue?: TrainingQueue };

/** The process-wide producer for the training queue, connected on first use. */
export function trainingQueue(): TrainingQueue {
  if (cache.__rlhfTrainingQueue) return cache.__rlhfTrainingQueue;
  const queue = createTrainingQueue(queueBackendFromEnv());
  // Without a listener an 'error' event would crash the server; Redis outages are survivable (outbox).
  queue.on("error", (error) => log.warn({ err: error.message }, "training queue connection error"));
  return (cache.__rlhfTrainingQueue = queue);
}
