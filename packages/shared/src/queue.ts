// Server-only (imports bullmq): the training queue on Redis, or on BullMQ's PostgreSQL backend when the
// machine has no Redis. The web app produces jobs, the trainer consumes them; both build them here.
import { Queue, Worker, createPostgresBackend, type Processor } from "bullmq";
import type { RedisOptions } from "ioredis";
import { QUEUES } from "./queues";
import type { EvaluationJob } from "./evaluation";
import type { TrainingJob } from "./runs";

export type QueueBackend =
  | { kind: "redis"; url: string; /** key namespace; tests give each file its own */ prefix?: string }
  | { kind: "postgres"; databaseUrl: string };

export const REDIS_INSTALL_HINT =
  "install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL";

/** REDIS_URL selects Redis; QUEUE_BACKEND=postgres selects BullMQ's PostgreSQL backend on DATABASE_URL. */
export function queueBackendFromEnv(env: NodeJS.ProcessEnv = process.env): QueueBackend {
  if (env.QUEUE_BACKEND === "postgres") {
    if (!env.DATABASE_URL) throw new Error("QUEUE_BACKEND=postgres needs DATABASE_URL");
    return { kind: "postgres", databaseUrl: env.DATABASE_URL };
  }
  if (env.REDIS_URL) return { kind: "redis", url: env.REDIS_URL, prefix: env.QUEUE_PREFIX || undefined };
  throw new Error(
    `no job queue configured: set REDIS_URL or QUEUE_BACKEND=postgres; to use Redis, ${REDIS_INSTALL_HINT}`,
  );
}

/** "request": used inside web requests, fails fast when Redis is down; "background": waits Redis out. */
export type ConnectionRole = "request" | "background";

function redisOptions(url: string, role: ConnectionRole): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    // Background users (workers: BullMQ requires null here) wait out Redis outages; a web request fails fast so
    // it is never held hostage by a dead Redis: the run stays PENDING and the outbox sweeper enqueues it later.
    maxRetriesPerRequest: role === "background" ? null : 1,
    enableOfflineQueue: role === "background",
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
}

export type TrainingQueue = Queue<TrainingJob>;
export type TrainingWorker = Worker<TrainingJob>;
export type EvaluationQueue = Queue<EvaluationJob>;
export type EvaluationWorker = Worker<EvaluationJob>;

function createQueue<T>(name: string, backend: QueueBackend, role: ConnectionRole): Queue<T> {
  if (backend.kind === "redis")
    return new Queue<T>(name, { connection: redisOptions(backend.url, role), prefix: backend.prefix });
  const connection = { connectionString: backend.databaseUrl, migrate: true };
  return new Queue(name, { connection }, createPostgresBackend) as unknown as Queue<T>;
}

export function createTrainingQueue(backend: QueueBackend, role: ConnectionRole = "request"): TrainingQueue {
  return createQueue<TrainingJob>(QUEUES.training, backend, role);
}

/** The queue of automatic evaluations (one job per ModelEvaluation row, job id = its id). */
export function createEvaluationQueue(
  backend: QueueBackend,
  role: ConnectionRole = "request",
): EvaluationQueue {
  return createQueue<EvaluationJob>(QUEUES.evaluation, backend, role);
}

export interface WorkerTuning {
  concurrency: number;
  /** How long a job's lock lives without renewal; a dead worker's job is reclaimed after about this long. */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock has expired (stalled) and put them back in the queue. */
  stalledIntervalMs: number;
}

function createWorker<T>(
  name: string,
  backend: QueueBackend,
  processor: Processor<T>,
  tuning: WorkerTuning,
): Worker<T> {
  const options = {
    concurrency: tuning.concurrency,
    lockDuration: tuning.lockDurationMs,
    stalledInterval: tuning.stalledIntervalMs,
    // A crashed trainer's job is retried by the next one; a job that keeps killing trainers fails after 3 tries.
    maxStalledCount: 2,
  };
  if (backend.kind === "redis") {
    return new Worker<T>(name, processor, {
      ...options,
      connection: redisOptions(backend.url, "background"),
      prefix: backend.prefix,
    });
  }
  const connection = { connectionString: backend.databaseUrl, migrate: true };
  return new Worker(
    name,
    processor,
    { ...options, connection },
    createPostgresBackend,
  ) as unknown as Worker<T>;
}

export function createTrainingWorker(
  backend: QueueBackend,
  processor: Processor<TrainingJob>,
  tuning: WorkerTuning,
): TrainingWorker {
  return createWorker(QUEUES.training, backend, processor, tuning);
}

export function createEvaluationWorker(
  backend: QueueBackend,
  processor: Processor<EvaluationJob>,
  tuning: WorkerTuning,
): EvaluationWorker {
  return createWorker(QUEUES.evaluation, backend, processor, tuning);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} timed out after ${ms} ms (is the queue reachable?)`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Adds the job for a run. jobId = run id, so adding twice (request + sweeper, or two sweepers) never creates a
 * second job. No automatic retries on a thrown error (training errors are deterministic); crashes are retried
 * through stalled-job recovery instead.
 */
export async function addTrainingJob(
  queue: TrainingQueue,
  job: TrainingJob,
  timeoutMs = 3000,
): Promise<void> {
  const options = {
    jobId: job.runId,
    attempts: 1,
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
  await withTimeout(queue.add(job.kind, job, options), timeoutMs, `enqueueing run ${job.runId}`);
}

/** Adds an evaluation's job (job id = evaluation id: adding twice is harmless). */
export async function addEvaluationJob(
  queue: EvaluationQueue,
  job: EvaluationJob,
  timeoutMs = 3000,
): Promise<void> {
  const options = {
    jobId: job.evaluationId,
    attempts: 1,
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
  await withTimeout(
    queue.add("evaluate", job, options),
    timeoutMs,
    `enqueueing evaluation ${job.evaluationId}`,
  );
}

/** Throws unless the queue's backend answers within timeoutMs (health checks). */
export async function checkQueue(queue: TrainingQueue | EvaluationQueue, timeoutMs = 2000): Promise<void> {
  await withTimeout(queue.getJobCounts("waiting"), timeoutMs, "queue health check");
}
