// Server-only (imports bullmq and ioredis): the `generate` queue's contract between the web app, which enqueues
// requests and reads their streams, and the trainer, whose worker generates and writes them. A request is a
// Generation row; its job is { generationId } (job id = row id); its tokens go to a Redis Stream, so a reader
// that reconnects continues after the last entry id it saw. Stopping is a key (seen by a job that has not
// started yet) plus a pub/sub message (seen by the worker running it).
import { Queue, Worker, type Processor } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { z } from "zod";

export const GENERATE_QUEUE = "generate";

/** The most new tokens one request may ask for; the server may cap it lower (GENERATE_MAX_NEW_TOKENS). */
export const MAX_NEW_TOKENS_LIMIT = 1024;

export const generationParamsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).default(0.7),
  topP: z.number().gt(0).max(1).default(0.95),
  maxNewTokens: z.number().int().min(1).max(MAX_NEW_TOKENS_LIMIT).default(128),
  seed: z.number().int().min(0).max(2_147_483_647).default(0),
});
export type GenerationParams = z.infer<typeof generationParamsSchema>;
export type GenerationParamsInput = z.input<typeof generationParamsSchema>;

/** One streamed answer (a Generation row). */
export interface GenerationJob {
  generationId: string;
}

/** Answers of registered models to prompts, for ranking tasks: each becomes a MODEL response of its prompt. */
export interface RankingAnswersJob {
  versionIds: string[];
  promptIds: string[];
  requestedById: string;
}

export type GenerateJob = GenerationJob | RankingAnswersJob;

export const isRankingAnswersJob = (job: GenerateJob): job is RankingAnswersJob => "promptIds" in job;

/** The sampling of answers for ranking: varied enough to give rankers a choice, the same for every model. */
export const RANKING_ANSWER_PARAMS: GenerationParams = {
  temperature: 0.8,
  topP: 0.95,
  maxNewTokens: 128,
  seed: 0,
};

export type StopReason = "stop_token" | "max_tokens" | "context_full" | "stopped";

/** What a generation's stream carries, in order: started, tokens, then exactly one done or error. */
export type StreamEvent =
  | { type: "started" }
  | { type: "token"; text: string }
  | { type: "done"; reason: StopReason; text: string }
  | { type: "error"; message: string };

export const isFinalEvent = (event: StreamEvent) => event.type === "done" || event.type === "error";

export interface GenerateBackend {
  url: string;
  /** key namespace (queue and streams); tests give each file its own */
  prefix?: string;
}

/** Streaming needs Redis (streams and pub/sub); BullMQ's PostgreSQL backend cannot serve it. */
export function generateBackendFromEnv(env: NodeJS.ProcessEnv = process.env): GenerateBackend {
  if (!env.REDIS_URL)
    throw new Error(
      "generation (playground, arena) needs Redis: set REDIS_URL (the PostgreSQL queue backend cannot stream tokens)",
    );
  return { url: env.REDIS_URL, prefix: env.QUEUE_PREFIX || undefined };
}

/** Connection options from the URL: BullMQ closes connections it made from options, not ones handed to it. */
function redisOptions(backend: GenerateBackend): RedisOptions {
  const parsed = new URL(backend.url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    // workers and blocking reads wait Redis out (BullMQ requires null here)
    maxRetriesPerRequest: null,
  };
}

/** A connection of the caller's own (stream appends, stop requests, blocking reads); disconnect it when done. */
export function redisConnection(backend: GenerateBackend): Redis {
  return new Redis(redisOptions(backend));
}

export type GenerateQueue = Queue<GenerateJob>;
export type GenerateWorker = Worker<GenerateJob>;

export function createGenerateQueue(backend: GenerateBackend): GenerateQueue {
  return new Queue<GenerateJob>(GENERATE_QUEUE, {
    connection: redisOptions(backend),
    prefix: backend.prefix,
  });
}

/** `concurrency` is the server-wide limit on streams at once: further requests wait in the queue. */
export function createGenerateWorker(
  backend: GenerateBackend,
  processor: Processor<GenerateJob>,
  concurrency: number,
): GenerateWorker {
  return new Worker<GenerateJob>(GENERATE_QUEUE, processor, {
    connection: redisOptions(backend),
    prefix: backend.prefix,
    concurrency,
    // A generation is interactive: one that outlives a crashed worker is failed, not replayed minutes later.
    maxStalledCount: 0,
  });
}

export async function addGenerateJob(queue: GenerateQueue, generationId: string): Promise<void> {
  await queue.add(
    "generate",
    { generationId },
    { jobId: generationId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } },
  );
}

export async function addRankingAnswersJob(queue: GenerateQueue, job: RankingAnswersJob): Promise<string> {
  const added = await queue.add("ranking-answers", job, {
    attempts: 1,
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
  return added.id!;
}

/** 1-based place in line of a waiting request; null once it runs (or is gone). */
export async function queuePosition(queue: GenerateQueue, generationId: string): Promise<number | null> {
  const waiting = await queue.getWaiting();
  const ordered = waiting.filter(Boolean).sort((a, b) => a.timestamp - b.timestamp);
  const index = ordered.findIndex((job) => job.id === generationId);
  return index === -1 ? null : index + 1;
}

/** Streams live this long after their last entry: long enough to reconnect, short enough not to pile up. */
const STREAM_TTL_SECONDS = 3600;

/** Reads and writes the per-generation streams and stop requests. */
export class GenerationStreams {
  constructor(
    private readonly redis: Redis,
    private readonly backend: GenerateBackend,
  ) {}

  private key(id: string, suffix = ""): string {
    return `${this.backend.prefix ?? "rlhf"}:gen:${id}${suffix}`;
  }

  get stopChannel(): string {
    return `${this.backend.prefix ?? "rlhf"}:gen-stop`;
  }

  /** Appends an event; returns its entry id (the `tracked` id a reader resumes after). */
  async append(id: string, event: StreamEvent): Promise<string> {
    const key = this.key(id);
    const results = await this.redis
      .multi()
      .xadd(key, "*", "e", JSON.stringify(event))
      .expire(key, STREAM_TTL_SECONDS)
      .exec();
    const [error, entryId] = results?.[0] ?? [new Error(`appending to ${key}: the transaction was aborted`)];
    if (error) throw error;
    return entryId as string;
  }

  /**
   * Events after entry `afterId` ("0" for all), waiting up to blockMs for the first one (0: do not wait). Use a
   * connection of its own for blocking reads: a blocked connection serves nothing else.
   */
  async read(id: string, afterId: string, blockMs: number): Promise<[string, StreamEvent][]> {
    const key = this.key(id);
    const reply =
      blockMs > 0
        ? await this.redis.xread("COUNT", 256, "BLOCK", blockMs, "STREAMS", key, afterId)
        : await this.redis.xread("COUNT", 256, "STREAMS", key, afterId);
    if (!reply) return [];
    return reply[0][1].map(([entryId, fields]) => [entryId, JSON.parse(fields[1]) as StreamEvent]);
  }

  async requestStop(id: string): Promise<void> {
    await this.redis.set(this.key(id, ":stop"), "1", "EX", STREAM_TTL_SECONDS);
    await this.redis.publish(this.stopChannel, id);
  }

  async isStopRequested(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(id, ":stop"))) === 1;
  }
}
