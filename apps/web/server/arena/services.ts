// The web app's side of the generate queue: a producer, a Redis connection for stream appends and stop
// requests, and fresh connections for the blocking reads of each open stream. Connected on first use, from
// REDIS_URL (and QUEUE_PREFIX, which tests set to keep their keys apart).
import {
  type GenerateBackend,
  type GenerateQueue,
  GenerationStreams,
  createGenerateQueue,
  generateBackendFromEnv,
  redisConnection,
} from "@rlhf/shared/generate";
import { log } from "../log";

export interface GenerateServices {
  backend: GenerateBackend;
  queue: GenerateQueue;
  /** appends, stop requests and non-blocking reads share this connection */
  redis: Redis;
  streams: GenerationStreams;
  /** A connection of its own for one reader's blocking reads; disconnect it when done. */
  readerConnection(): Redis;
}

type Redis = ReturnType<typeof redisConnection>;

const cache = globalThis as unknown as { __rlhfGenerate?: Map<string, GenerateServices> };

export function generateServices(): GenerateServices {
  const backend = generateBackendFromEnv();
  const key = `${backend.url}|${backend.prefix ?? ""}`;
  cache.__rlhfGenerate ??= new Map();
  let services = cache.__rlhfGenerate.get(key);
  if (!services) {
    const queue = createGenerateQueue(backend);
    queue.on("error", (error: Error) => log.warn({ err: error.message }, "generate queue connection error"));
    const redis = redisConnection(backend);
    redis.on("error", (error: Error) => log.warn({ err: error.message }, "generate stream connection error"));
    services = {
      backend,
      queue,
      redis,
      streams: new GenerationStreams(redis, backend),
      readerConnection: () => redisConnection(backend),
    };
    cache.__rlhfGenerate.set(key, services);
  }
  return services;
}

/** Closes every connection (tests' afterAll). */
export async function closeGenerateServices(): Promise<void> {
  for (const services of cache.__rlhfGenerate?.values() ?? []) {
    await services.queue.close();
    services.redis.disconnect();
  }
  cache.__rlhfGenerate?.clear();
}
