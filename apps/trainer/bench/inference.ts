// npm run bench:inference: the generate service against the engine's bare batched generation, in one run.
// Real PostgreSQL and Redis are started here (embedded, temporary); the service runs in this process with a
// tiny chat model (apps/trainer/test/chat-model.ts: greedy decoding never ends a turn early, so every request
// makes exactly NEW_TOKENS tokens). For N concurrent streams: time to first token (enqueue -> first token event
// read from Redis) p50/p95, tokens/s per stream and in total; the bare figure is Generator.generateBatch on the
// same N prompts. The web hop (tRPC over SSE) is not included.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createPrisma } from "@rlhf/db";
import { registerModelVersion } from "@rlhf/db/registry";
import {
  findRedisServer,
  freePort,
  migrateDatabase,
  startEmbeddedPostgres,
  startRedisServer,
} from "@rlhf/db/services";
import { renderChat } from "@rlhf/engine";
import {
  GenerationStreams,
  addGenerateJob,
  createGenerateQueue,
  generationParamsSchema,
  redisConnection,
} from "@rlhf/shared/generate";
import { createLogger } from "@rlhf/shared/log";
import { writeChatModel } from "../test/chat-model";
import { generateEnv } from "../src/generate/env";
import { loadChatModel } from "../src/generate/model-cache";
import { startGenerateService } from "../src/generate/service";

const NEW_TOKENS = 48;
const CONCURRENCY = [1, 4, 16];
const PROMPT = "the cat sat on the mat";

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

const root = mkdtempSync(join(tmpdir(), "bench-inference-"));
chmodSync(root, 0o755);
const redisBinary = findRedisServer();
if (!redisBinary) throw new Error("bench:inference needs redis-server (apt-get install redis-server)");
const stops: (() => Promise<unknown>)[] = [async () => rmSync(root, { recursive: true, force: true })];
try {
  const postgres = await startEmbeddedPostgres({
    dataDir: join(root, "pg"),
    port: await freePort(),
    persistent: false,
    fast: true,
  });
  stops.unshift(() => postgres.stop());
  const redis = await startRedisServer({
    binary: redisBinary,
    port: await freePort(),
    dir: join(root, "redis"),
  });
  stops.unshift(() => redis.stop());
  await postgres.ensureDatabase("bench");
  await migrateDatabase(postgres.url("bench"));
  const prisma = createPrisma(postgres.url("bench"));
  stops.unshift(() => prisma.$disconnect());
  const artifactDir = await writeChatModel(root);
  const { id: versionId } = await registerModelVersion(prisma, {
    modelName: "bench-chat",
    kind: "SFT",
    artifactDir,
  });
  const backend = { url: redis.url };
  const service = startGenerateService(
    prisma,
    backend,
    generateEnv({ GENERATE_MAX_STREAMS: String(Math.max(...CONCURRENCY)), GENERATE_THREADS: "1" }),
    createLogger("bench"),
  );
  stops.unshift(() => service.close());
  await service.ready();
  const queue = createGenerateQueue(backend);
  stops.unshift(() => queue.close());
  const params = generationParamsSchema.parse({ temperature: 0, maxNewTokens: NEW_TOKENS });

  /** N requests at once through the service, each read from its Redis stream by a reader of its own. */
  const serviceRun = async (n: number) => {
    const ids = await Promise.all(
      Array.from({ length: n }, async () => {
        const row = await prisma.generation.create({
          data: { versionId, messages: [{ role: "user", content: PROMPT }], params },
        });
        return row.id;
      }),
    );
    const start = performance.now();
    const results = await Promise.all(
      ids.map(async (id) => {
        const connection = redisConnection(backend);
        const reader = new GenerationStreams(connection, backend);
        const enqueued = performance.now();
        await addGenerateJob(queue, id);
        let cursor = "0";
        let first: number | null = null;
        try {
          for (;;) {
            const batch = await reader.read(id, cursor, 30_000);
            if (batch.length === 0) throw new Error(`no event on ${id} for 30 s`);
            cursor = batch.at(-1)![0];
            if (first === null && batch.some(([, e]) => e.type === "token")) first = performance.now();
            const final = batch.find(([, e]) => e.type === "done" || e.type === "error")?.[1];
            if (final?.type === "error") throw new Error(final.message);
            if (final) {
              const end = performance.now();
              return { ttft: first! - enqueued, perStream: (NEW_TOKENS - 1) / ((end - first!) / 1000), end };
            }
          }
        } finally {
          connection.disconnect();
        }
      }),
    );
    const wall = Math.max(...results.map((r) => r.end)) - start;
    const ttft = results.map((r) => r.ttft);
    return {
      ttftP50: quantile(ttft, 0.5),
      ttftP95: quantile(ttft, 0.95),
      perStream: quantile(
        results.map((r) => r.perStream),
        0.5,
      ),
      total: (n * NEW_TOKENS) / (wall / 1000),
    };
  };

  /** The same N prompts through the engine's batched generation, sessions compiled beforehand. */
  const bareRun = async (n: number) => {
    const { generator, tokenizer } = loadChatModel(artifactDir, 1);
    const prompt = renderChat([{ role: "user", content: PROMPT }], tokenizer, {
      addGenerationPrompt: true,
    }).ids;
    const requests = Array.from({ length: n }, (_, seed) => ({ prompt, seed }));
    await generator.generateBatch(requests, { maxNewTokens: NEW_TOKENS });
    const start = performance.now();
    await generator.generateBatch(requests, { maxNewTokens: NEW_TOKENS });
    const total = (n * NEW_TOKENS) / ((performance.now() - start) / 1000);
    await generator.release();
    return total;
  };

  await serviceRun(1); // loads the model and compiles its sessions
  const rows = [];
  for (const n of CONCURRENCY) {
    const measured = await serviceRun(n);
    const bare = await bareRun(n);
    rows.push({
      streams: n,
      "ttft p50 ms": Math.round(measured.ttftP50),
      "ttft p95 ms": Math.round(measured.ttftP95),
      "tok/s per stream": Math.round(measured.perStream),
      "tok/s total": Math.round(measured.total),
      "bare batched tok/s": Math.round(bare),
      "total / bare": Number((measured.total / bare).toFixed(2)),
    });
  }
  console.table(rows);
} finally {
  for (const stop of stops) await stop().catch((error: Error) => console.error(`cleanup: ${error.message}`));
}
