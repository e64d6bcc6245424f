// The generate queue's worker: one job per Generation row. It renders the conversation with the model's chat
// template, decodes with the KV cache (the engine's Generator), appends every piece of text to the row's Redis
// stream as soon as it is chosen, and writes the final text and status to the row. A stop request ends the
// generation at the next token; the text so far is kept.
import type { Job } from "bullmq";
import type { Prisma, PrismaClient } from "@rlhf/db";
import { type ChatMessage, chatReply, textStream } from "@rlhf/engine";
import {
  type GenerateBackend,
  type GenerateJob,
  type GenerationJob,
  GenerationStreams,
  type RankingAnswersJob,
  type StopReason,
  type StreamEvent,
  createGenerateWorker,
  generationParamsSchema,
  isRankingAnswersJob,
  redisConnection,
} from "@rlhf/shared/generate";
import type { Logger } from "@rlhf/shared/log";
import type { GenerateEnv } from "./env";
import { ModelCache, loadChatModel, storableText } from "./model-cache";
import { generateRankingAnswers } from "./ranking-answers";

class StopRequested extends Error {
  constructor() {
    super("stopped by request");
  }
}

export interface GenerateService {
  /** resolves once the worker is connected and listening */
  ready(): Promise<void>;
  close(): Promise<void>;
  /** for tests and metrics */
  cache: ModelCache;
}

export function startGenerateService(
  prisma: PrismaClient,
  backend: GenerateBackend,
  env: GenerateEnv,
  log: Logger,
): GenerateService {
  const redis = redisConnection(backend);
  const subscriber = redisConnection(backend);
  const streams = new GenerationStreams(redis, backend);
  const cache = new ModelCache(env.GENERATE_CACHE_MODELS, (dir) => loadChatModel(dir, env.GENERATE_THREADS));
  const running = new Map<string, AbortController>();

  const subscribed = subscriber.subscribe(streams.stopChannel);
  subscriber.on("message", (_channel: string, generationId: string) => running.get(generationId)?.abort());

  async function finish(
    id: string,
    status: "DONE" | "STOPPED" | "FAILED",
    event: StreamEvent,
    tokens: number,
  ) {
    const text = event.type === "done" ? event.text : undefined;
    const data: Prisma.GenerationUpdateInput = {
      status,
      tokens,
      finishedAt: new Date(),
      ...(text !== undefined && { text }),
      ...(event.type === "done" && { stopReason: event.reason }),
      ...(event.type === "error" && { error: event.message }),
    };
    // the row first, so a reader that sees the final event finds the row final too; the event is appended even
    // when the row cannot be written, so that no reader waits for an end that never comes
    try {
      await prisma.generation.update({ where: { id }, data });
    } finally {
      await streams.append(id, event);
    }
  }

  async function generate(job: Job<GenerationJob>): Promise<void> {
    const id = job.data.generationId;
    const row = await prisma.generation.findUnique({
      where: { id },
      include: { version: { select: { artifactDir: true } } },
    });
    // gone, or already ended (stopped while it waited): nothing to do
    if (!row || (row.status !== "QUEUED" && row.status !== "RUNNING")) return;
    if (await streams.isStopRequested(id)) return finish(id, "STOPPED", done("stopped", ""), 0);
    const controller = new AbortController();
    running.set(id, controller);
    let text = "";
    let tokens = 0;
    try {
      await prisma.generation.update({ where: { id }, data: { status: "RUNNING", startedAt: new Date() } });
      await streams.append(id, { type: "started" });
      const params = generationParamsSchema.parse(row.params);
      const model = await cache.acquire(row.versionId, row.version.artifactDir);
      try {
        const pieces = textStream((ids) => model.tokenizer.decode(ids, { skipSpecialTokens: true }));
        // appends are chained so that a failed one surfaces, and in order (one connection keeps it anyway)
        let appended = Promise.resolve();
        const publish = (decoded: string) => {
          const piece = storableText(decoded);
          if (piece === "") return;
          text += piece;
          appended = appended.then(async () => {
            await streams.append(id, { type: "token", text: piece });
          });
        };
        const reply = await chatReply(
          model.generator,
          model.tokenizer,
          row.messages as unknown as ChatMessage[],
          {
            maxNewTokens: Math.min(params.maxNewTokens, env.GENERATE_MAX_NEW_TOKENS),
            temperature: params.temperature,
            topP: params.topP,
            seed: params.seed,
            onToken: (token) => {
              if (controller.signal.aborted) throw new StopRequested();
              tokens++;
              publish(pieces.push(token));
            },
          },
        );
        publish(pieces.rest());
        await appended;
        await finish(id, "DONE", done(reply.generation.stopReason, storableText(reply.text)), tokens);
      } finally {
        await cache.release(row.versionId);
      }
    } catch (error) {
      if (error instanceof StopRequested) return finish(id, "STOPPED", done("stopped", text), tokens);
      const message = (error as Error).message;
      log.warn({ generationId: id, err: message }, "generation failed");
      await finish(id, "FAILED", { type: "error", message }, tokens);
    } finally {
      running.delete(id);
    }
  }

  const processJob = (job: Job<GenerateJob>) =>
    isRankingAnswersJob(job.data)
      ? generateRankingAnswers(prisma, cache, job as Job<RankingAnswersJob>)
      : generate(job as Job<GenerationJob>);
  const worker = createGenerateWorker(backend, processJob, env.GENERATE_MAX_STREAMS);
  worker.on("error", (error: Error) => log.warn({ err: error.message }, "generate worker connection error"));
  worker.on("failed", (job, error) =>
    log.warn({ jobId: job?.id, err: error.message }, "generate job failed"),
  );

  return {
    cache,
    async ready() {
      await Promise.all([worker.waitUntilReady(), subscribed]);
    },
    async close() {
      for (const controller of running.values()) controller.abort();
      await worker.close();
      await cache.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}

const done = (reason: StopReason, text: string): StreamEvent => ({ type: "done", reason, text });
