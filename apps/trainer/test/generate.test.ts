// The generate service against real Postgres and Redis with a real (tiny) model: streamed tokens in order, a
// reader that resumes after an entry id, a stop request that ends a generation and frees its slot, the queue
// position of a request that waits, and the bounded model cache.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerModelVersion } from "@rlhf/db/registry";
import { createTestDatabase, services, type TestDatabase } from "@rlhf/db/test-support";
import {
  type GenerateBackend,
  type GenerateQueue,
  type GenerationParamsInput,
  GenerationStreams,
  type StreamEvent,
  GENERATE_QUEUE,
  addGenerateJob,
  addRankingAnswersJob,
  createGenerateQueue,
  generationParamsSchema,
  isFinalEvent,
  queuePosition,
  redisConnection,
} from "@rlhf/shared/generate";
import { createLogger } from "@rlhf/shared/log";
import { generateEnv } from "../src/generate/env";
import { ModelCache, loadChatModel } from "../src/generate/model-cache";
import { type GenerateService, startGenerateService } from "../src/generate/service";
import { writeChatModel } from "./chat-model";

let database: TestDatabase;
let backend: GenerateBackend;
let queue: GenerateQueue;
let streams: GenerationStreams;
let service: GenerateService;
let dir: string;
let versionId: string;
let connection: Redis;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "generate-"));
  database = await createTestDatabase();
  backend = { url: services().redisUrl, prefix: `test-gen-${Date.now()}` };
  const artifactDir = await writeChatModel(dir);
  versionId = (
    await registerModelVersion(database.prisma, { modelName: "tiny-chat", kind: "SFT", artifactDir })
  ).id;
  queue = createGenerateQueue(backend);
  connection = redisConnection(backend);
  streams = new GenerationStreams(connection, backend);
  // one stream at a time: a second request waits in the queue
  service = startGenerateService(
    database.prisma,
    backend,
    generateEnv({ GENERATE_MAX_STREAMS: "1" }),
    createLogger("generate-test"),
  );
  await service.ready();
});

afterAll(async () => {
  await service?.close();
  await queue?.close();
  connection?.disconnect();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function request(content: string, params: GenerationParamsInput = {}): Promise<string> {
  const row = await database.prisma.generation.create({
    data: {
      versionId,
      messages: [{ role: "user", content }],
      params: generationParamsSchema.parse({ temperature: 0, ...params }),
    },
  });
  await addGenerateJob(queue, row.id);
  return row.id;
}

/** Reads a stream from `after` until its final event (or `until` says stop reading). */
async function readAll(
  id: string,
  after = "0",
  until: (events: [string, StreamEvent][]) => boolean = () => false,
): Promise<[string, StreamEvent][]> {
  const ownConnection = redisConnection(backend);
  const own = new GenerationStreams(ownConnection, backend);
  const events: [string, StreamEvent][] = [];
  let cursor = after;
  try {
    for (;;) {
      const batch = await own.read(id, cursor, 15_000);
      if (batch.length === 0) throw new Error(`no event on ${id} for 15 s after ${cursor}`);
      events.push(...batch);
      cursor = batch.at(-1)![0];
      if (isFinalEvent(batch.at(-1)![1]) || until(events)) return events;
    }
  } finally {
    ownConnection.disconnect();
  }
}

const tokenText = (events: [string, StreamEvent][]) =>
  events.map(([, e]) => (e.type === "token" ? e.text : "")).join("");

describe("the generate service", () => {
  it("streams tokens in order, then the final text, which the row keeps", async () => {
    const id = await request("hello there", { maxNewTokens: 12 });
    const events = await readAll(id);
    expect(events[0][1]).toEqual({ type: "started" });
    const last = events.at(-1)![1];
    expect(last.type).toBe("done");
    if (last.type !== "done") return;
    expect(tokenText(events)).toBe(last.text);
    expect(events.filter(([, e]) => e.type === "token").length).toBeGreaterThan(0);
    const row = await database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "DONE", text: last.text, stopReason: last.reason });
    expect(row.tokens).toBeGreaterThan(0);
    expect(row.tokens).toBeLessThanOrEqual(12);
    // the same request again (same seed) gives the same text: decoding is deterministic
    const again = (await readAll(await request("hello there", { maxNewTokens: 12 }))).at(-1)![1];
    expect(again).toEqual(last);
  });

  it("resumes after the last entry id seen, without gaps or repeats", async () => {
    const id = await request("the cat sat", { maxNewTokens: 20 });
    const whole = await readAll(id);
    expect(whole.length).toBeGreaterThan(4);
    const firstPart = whole.slice(0, 3);
    const rest = await readAll(id, firstPart.at(-1)![0]);
    expect([...firstPart, ...rest]).toEqual(whole);
    // entry ids strictly increase
    const ids = whole.map(([entryId]) => entryId.split("-").map(Number));
    for (let i = 1; i < ids.length; i++)
      expect(ids[i][0] > ids[i - 1][0] || (ids[i][0] === ids[i - 1][0] && ids[i][1] > ids[i - 1][1])).toBe(
        true,
      );
  });

  it("stops a running generation on request, keeps its text, and frees the slot for the next one", async () => {
    const long = await request("a model reads text", { maxNewTokens: 200 });
    const waiting = await request("hello", { maxNewTokens: 5 });
    // the first one is running, so the second waits first in line
    await readAll(long, "0", (events) => events.some(([, e]) => e.type === "token"));
    expect(await queuePosition(queue, waiting)).toBe(1);
    await streams.requestStop(long);
    const stopped = (await readAll(long)).at(-1)![1];
    expect(stopped).toMatchObject({ type: "done", reason: "stopped" });
    const row = await database.prisma.generation.findUniqueOrThrow({ where: { id: long } });
    expect(row.status).toBe("STOPPED");
    expect(row.tokens).toBeLessThan(200);
    expect(stopped.type === "done" && stopped.text).toBe(row.text);
    // the freed slot serves the waiting request
    expect((await readAll(waiting)).at(-1)![1].type).toBe("done");
    expect(await queuePosition(queue, waiting)).toBeNull();
  });

  it("ends a request stopped while it waited without generating", async () => {
    const blocker = await request("the dog", { maxNewTokens: 200 });
    const queued = await request("hello", { maxNewTokens: 5 });
    await streams.requestStop(queued);
    await streams.requestStop(blocker);
    expect((await readAll(queued)).map(([, e]) => e)).toEqual([
      { type: "done", reason: "stopped", text: "" },
    ]);
    const row = await database.prisma.generation.findUniqueOrThrow({ where: { id: queued } });
    expect(row).toMatchObject({ status: "STOPPED", tokens: 0 });
  });

  it("records a model that cannot be loaded as a failed generation with the reason", async () => {
    const broken = await registerModelVersion(database.prisma, {
      modelName: "missing-folder",
      kind: "SFT",
      artifactDir: join(dir, "does-not-exist"),
    });
    const row = await database.prisma.generation.create({
      data: { versionId: broken.id, messages: [{ role: "user", content: "hi" }], params: {} },
    });
    await addGenerateJob(queue, row.id);
    const last = (await readAll(row.id)).at(-1)![1];
    expect(last.type).toBe("error");
    expect((await database.prisma.generation.findUniqueOrThrow({ where: { id: row.id } })).status).toBe(
      "FAILED",
    );
  });
});

describe("the model cache", () => {
  it("keeps at most its capacity of idle models, unloading the least recently used", async () => {
    const folders = [
      await writeChatModel(dir, 2),
      await writeChatModel(dir, 3),
      await writeChatModel(dir, 4),
    ];
    const cache = new ModelCache(2, (folder) => loadChatModel(folder, 1));
    for (const [i, folder] of folders.entries()) {
      await cache.acquire(`v${i}`, folder);
      await cache.release(`v${i}`);
    }
    expect(cache.loaded()).toEqual(["v1", "v2"]);
    // a model in use is never unloaded, even past capacity
    await cache.acquire("v1", folders[1]);
    await cache.acquire("v0", folders[0]);
    await cache.acquire("v2", folders[2]);
    expect(cache.loaded()).toHaveLength(3);
    await cache.release("v0");
    expect(cache.loaded()).toEqual(["v1", "v2"]);
    await cache.close();
  });
});

describe("model answers for ranking tasks", () => {
  it("adds each version's answer to each prompt as an accepted MODEL response, recording the version", async () => {
    const prompts = await Promise.all(
      ["hello there", "the cat sat"].map((content) =>
        database.prisma.prompt.create({
          data: {
            messages: [{ role: "user", content }],
            language: "en",
            source: "HUMAN",
            reviewState: "ACCEPTED",
          },
        }),
      ),
    );
    const admin = await database.prisma.user.create({
      data: { email: "admin@test.local", name: "Admin", role: "ADMIN", passwordHash: "unused" },
    });
    const jobId = await addRankingAnswersJob(queue, {
      versionIds: [versionId],
      promptIds: prompts.map((p) => p.id),
      requestedById: admin.id,
    });
    const job = (await queue.getJob(jobId))!;
    const eventsConnection = redisConnection(backend);
    const events = new QueueEvents(GENERATE_QUEUE, { connection: eventsConnection, prefix: backend.prefix });
    const result = await job.waitUntilFinished(events, 30_000).finally(async () => {
      await events.close();
      eventsConnection.disconnect();
    });
    expect(result).toEqual({ created: 2, empty: 0 });
    const responses = await database.prisma.response.findMany({
      where: { promptId: { in: prompts.map((p) => p.id) } },
      include: { generation: true },
    });
    expect(responses).toHaveLength(2);
    for (const response of responses) {
      expect(response).toMatchObject({ kind: "MODEL", modelName: "tiny-chat v1", reviewState: "ACCEPTED" });
      expect(response.generation).toMatchObject({ versionId, status: "DONE", text: response.text });
    }
  });
});
