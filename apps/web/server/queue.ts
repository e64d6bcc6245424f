import {
  createEvaluationQueue,
  createTrainingQueue,
  queueBackendFromEnv,
  type EvaluationQueue,
  type TrainingQueue,
} from "@rlhf/shared/queue";
import { log } from "./log";

const cache = globalThis as unknown as {
  __rlhfTrainingQueue?: TrainingQueue;
  __rlhfEvaluationQueue?: EvaluationQueue;
};

function watched<Q extends TrainingQueue | EvaluationQueue>(queue: Q, name: string): Q {
  // Without a listener an 'error' event would crash the server; Redis outages are survivable (outbox).
  queue.on("error", (error: Error) => log.warn({ err: error.message }, `${name} queue connection error`));
  return queue;
}

/** The process-wide producer for the training queue, connected on first use. */
export function trainingQueue(): TrainingQueue {
  return (cache.__rlhfTrainingQueue ??= watched(createTrainingQueue(queueBackendFromEnv()), "training"));
}

/** The process-wide producer for the evaluation queue, connected on first use. */
export function evaluationQueue(): EvaluationQueue {
  return (cache.__rlhfEvaluationQueue ??= watched(
    createEvaluationQueue(queueBackendFromEnv()),
    "evaluation",
  ));
}
