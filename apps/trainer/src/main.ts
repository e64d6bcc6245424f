// The trainer process: consumes the training queue, sweeps the run outbox, serves /health.
// The outbox sweeper lives here rather than in the web app: the trainer is a long-lived process with a
// lifecycle of its own (Next.js may run serverless or many times over); several trainers sweeping is safe
// because a job's id is its run's id, so a run is never enqueued twice.
import { db } from "@rlhf/db";
import { sweepPendingRuns } from "@rlhf/db/outbox";
import { sweepPendingEvaluations } from "@rlhf/db/registry";
import { createLogger } from "@rlhf/shared/log";
import {
  checkQueue,
  createEvaluationQueue,
  createEvaluationWorker,
  createTrainingQueue,
  createTrainingWorker,
  queueBackendFromEnv,
} from "@rlhf/shared/queue";
import { torchBackendUnavailable } from "./backends/torch";
import { trainerEnv } from "./env";
import { boundPort, startHealthServer } from "./health";
import { startGenerateFromEnv } from "./generate";
import { createEvaluationProcessor } from "./process-evaluation";
import { createRunProcessor } from "./process-run";

const log = createLogger("trainer");
const env = trainerEnv();
const backend = queueBackendFromEnv();
const prisma = db();

const queue = createTrainingQueue(backend, "background");
const evaluations = createEvaluationQueue(backend, "background");
const tuning = {
  concurrency: env.TRAINER_CONCURRENCY,
  lockDurationMs: env.TRAINER_LOCK_MS,
  stalledIntervalMs: env.TRAINER_STALLED_CHECK_MS,
};
const worker = createTrainingWorker(
  backend,
  createRunProcessor(prisma, { training: queue, evaluations }, log, {
    cancelPollMs: env.TRAINER_CANCEL_POLL_MS,
  }),
  tuning,
);
const evaluator = createEvaluationWorker(backend, createEvaluationProcessor(prisma, log), tuning);
const onError = (name: string) => (error: Error) =>
  log.warn({ err: error.message }, `${name} connection error`);
queue.on("error", onError("queue"));
evaluations.on("error", onError("evaluation queue"));
worker.on("error", onError("worker"));
evaluator.on("error", onError("evaluation worker"));
for (const w of [worker, evaluator])
  w.on("stalled", (jobId) => log.warn({ jobId }, "job stalled (its trainer died); it will be retried"));

const sweeper = setInterval(async () => {
  try {
    const published = await sweepPendingRuns(prisma, queue, env.OUTBOX_GRACE_MS);
    if (published > 0) log.info({ published }, "outbox: enqueued runs left pending");
    const evaluated = await sweepPendingEvaluations(prisma, evaluations, env.OUTBOX_GRACE_MS);
    if (evaluated > 0) log.info({ evaluated }, "outbox: enqueued evaluations left pending");
  } catch (error) {
    log.warn({ err: (error as Error).message }, "outbox sweep failed; retrying next interval");
  }
}, env.OUTBOX_SWEEP_EVERY_MS);

const health = await startHealthServer(env.TRAINER_HEALTH_PORT, {
  db: async () => void (await prisma.$queryRaw`SELECT 1`),
  queue: () => checkQueue(queue),
});
await Promise.all([worker.waitUntilReady(), evaluator.waitUntilReady()]);
// Arena and playground (issue 9): the `generate` queue has a worker of its own, so a long run never blocks a chat.
const generation = startGenerateFromEnv(prisma, log);
await generation?.ready();
log.info({ queueBackend: backend.kind, healthPort: boundPort(health) }, "trainer ready");
const torchMissing = torchBackendUnavailable();
if (torchMissing) log.warn(`torch backend unavailable (${torchMissing}): runs use the engine backend only`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "trainer stopping");
  // A worker whose Redis is gone can hang in close(); the timer guarantees an exit (the job is then retried).
  setTimeout(() => {
    log.warn("shutdown timed out; exiting");
    process.exit(1);
  }, env.TRAINER_SHUTDOWN_MS).unref();
  clearInterval(sweeper);
  health.close();
  const closed = await Promise.allSettled([
    worker.close(),
    evaluator.close(),
    queue.close(),
    evaluations.close(),
    generation?.close(),
    prisma.$disconnect(),
  ]);
  const failures = closed
    .filter((result) => result.status === "rejected")
    .map((result) => String(result.reason));
  if (failures.length > 0) log.warn({ failures }, "errors while closing connections");
  log.info("trainer stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
