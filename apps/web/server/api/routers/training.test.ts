import { isTrackedEnvelope, TRPCError, type TrackedEnvelope } from "@trpc/server";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { sweepPendingRuns } from "@rlhf/db/outbox";
import { findRedisServer, freePort, startRedisServer } from "@rlhf/db/services";
import { createTestDatabase, services, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import type { RunEvent } from "../../runs/live";
import { testCallers, type Caller } from "../test-callers";
import { demonstrationsJsonl, freezeSnapshot, registerFolder, writeModelFolder } from "../test-fixtures";

let database: TestDatabase;
let queue: TrainingQueue;
let callers: ReturnType<typeof testCallers>;
let artifacts: string;
let admin: Caller;
let snapshotId: string;
let emptySnapshotId: string;
let baseId: string;

beforeAll(async () => {
  artifacts = mkdtempSync(join(tmpdir(), "training-router-"));
  process.env.ARTIFACTS_DIR = artifacts;
  database = await createTestDatabase();
  queue = createTrainingQueue(testQueueBackend());
  callers = testCallers(database.prisma, () => queue);
  admin = (await callers.person("ADMIN")).api;
  // The example file's answers are all model outputs: a snapshot of it alone has no SFT lines.
  emptySnapshotId = await freezeSnapshot(
    admin,
    "models only",
    '{"prompt":"Hi?","responses":[{"text":"Hello","model":"m"}]}',
  );
  snapshotId = await freezeSnapshot(admin, "demonstrations", demonstrationsJsonl(12, "train"));
  baseId = await registerFolder(database.prisma, writeModelFolder(join(artifacts, "base")), "tiny-base");
});
afterAll(async () => {
  delete process.env.ARTIFACTS_DIR;
  await queue.close();
  await database.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

const runCount = () => database.prisma.trainingRun.count();
const sftSpec = () => ({
  kind: "sft" as const,
  snapshotId,
  baseModelVersionId: baseId,
  config: { batchSize: 2, maxLength: 64, epochs: 1 },
});

describe("training.start", () => {
  it("is FORBIDDEN to an annotator and a reviewer, UNAUTHORIZED anonymously, and writes nothing", async () => {
    for (const role of ["ANNOTATOR", "REVIEWER"] as const) {
      const caller = (await callers.person(role)).api;
      expect((await rejection(caller.training.start(sftSpec()))).code).toBe("FORBIDDEN");
    }
    expect((await rejection(callers.anonymous().training.start(sftSpec()))).code).toBe("UNAUTHORIZED");
    expect(await runCount()).toBe(0);
  });

  it("rejects a spec its kind's schema refuses with a zod error naming the field, and writes nothing", async () => {
    const negative = await rejection(admin.training.start({ ...sftSpec(), config: { learningRate: -1 } }));
    expect(negative.code).toBe("BAD_REQUEST");
    expect(negative.cause).toBeInstanceOf(ZodError);
    expect((negative.cause as ZodError).issues.map((issue) => issue.path.join("."))).toEqual([
      "config.learningRate",
    ]);
    const demo = await rejection(admin.training.start({ kind: "demo", snapshotId } as never));
    expect(demo.code).toBe("BAD_REQUEST");
    const noBase = await rejection(admin.training.start({ kind: "dpo", snapshotId } as never));
    expect((noBase.cause as ZodError).issues.map((issue) => issue.path.join("."))).toEqual([
      "baseModelVersionId",
    ]);
    expect(await runCount()).toBe(0);
  });

  it("refuses inputs that cannot work with a message naming the problem, and writes nothing", async () => {
    const noPairs = await rejection(
      admin.training.start({ kind: "dpo", snapshotId, baseModelVersionId: baseId, config: { batchSize: 2 } }),
    );
    expect(noPairs.code).toBe("BAD_REQUEST");
    expect(noPairs.message).toMatch(/^snapshotId: .*no preference pairs/);

    const noDemonstrations = await rejection(
      admin.training.start({ ...sftSpec(), snapshotId: emptySnapshotId }),
    );
    expect(noDemonstrations.message).toMatch(/no SFT demonstrations/);

    const plain = writeModelFolder(join(artifacts, "no-chat"), { chatTokens: false });
    const noChat = await registerFolder(database.prisma, plain, "plain-base");
    const chatless = await rejection(admin.training.start({ ...sftSpec(), baseModelVersionId: noChat }));
    expect(chatless.message).toMatch(/^baseModelVersionId: .*no chat tokens/);

    const missing = await rejection(admin.training.start({ ...sftSpec(), baseModelVersionId: "nope" }));
    expect(missing.message).toBe("baseModelVersionId: no model version nope in the registry");
    expect(await runCount()).toBe(0);
  });

  it("writes the run with its inputs and defaults filled, enqueues its job under the run's id", async () => {
    const { id, status } = await admin.training.start(sftSpec());
    expect(status).toBe("QUEUED");
    expect((await queue.getJob(id))?.data).toEqual({ runId: id, kind: "sft" });
    const row = await database.prisma.trainingRun.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      kind: "sft",
      snapshotId,
      baseModelVersionId: baseId,
      outputModelName: "sft",
    });
    expect(row.config).toMatchObject({ batchSize: 2, epochs: 1, learningRate: 2e-5 });
    const run = await admin.training.get({ id });
    expect(run.baseModelVersion).toMatchObject({ id: baseId, version: 1, model: { name: "tiny-base" } });
    expect(run.snapshot?.name).toBe("demonstrations");
  });
});

describe("training.cancel and training.resume", () => {
  it("cancels a queued run at once, refuses a second cancel, and resumes it onto the queue again", async () => {
    const { id } = await admin.training.start(sftSpec());
    const annotator = (await callers.person("ANNOTATOR")).api;
    expect((await rejection(annotator.training.cancel({ id }))).code).toBe("FORBIDDEN");
    expect(await admin.training.cancel({ id })).toEqual({ id, status: "CANCELLED" });
    const again = await rejection(admin.training.cancel({ id }));
    expect(again.code).toBe("CONFLICT");
    expect(again.message).toMatch(/is CANCELLED/);

    expect((await rejection(annotator.training.resume({ id }))).code).toBe("FORBIDDEN");
    expect(await admin.training.resume({ id })).toEqual({ id, status: "QUEUED" });
    expect((await queue.getJob(id))?.data.runId).toBe(id);
    const row = await database.prisma.trainingRun.findUniqueOrThrow({ where: { id } });
    expect(row.cancelRequestedAt).toBeNull();
    expect((await rejection(admin.training.resume({ id }))).message).toMatch(/is QUEUED/);
  });

  it("asks the trainer to stop a running run, which stays RUNNING until it does", async () => {
    const { id } = await admin.training.start(sftSpec());
    await database.prisma.trainingRun.update({ where: { id }, data: { status: "RUNNING" } });
    expect(await admin.training.cancel({ id })).toEqual({ id, status: "RUNNING" });
    const row = await database.prisma.trainingRun.findUniqueOrThrow({ where: { id } });
    expect(row.cancelRequestedAt).toBeInstanceOf(Date);
    expect((await rejection(admin.training.cancel({ id: "missing" }))).code).toBe("NOT_FOUND");
  });
});

describe("training.live", () => {
  it("pushes the state, then only new metric points and log lines, and resumes after a tracked id", async () => {
    const { id } = await admin.training.start(sftSpec());
    await database.prisma.runMetric.create({ data: { runId: id, name: "train/loss", step: 1, value: 2.5 } });
    const stream = (await admin.training.live({ id }))[Symbol.asyncIterator]();
    const next = async (events: AsyncIterator<unknown>) => {
      const { value } = await events.next();
      expect(isTrackedEnvelope(value)).toBe(true);
      const [eventId, data] = value as TrackedEnvelope<RunEvent>;
      return { id: eventId, data };
    };

    const first = await next(stream);
    expect(first.data.run.status).toBe("QUEUED");
    expect(first.data.metrics).toEqual([{ name: "train/loss", step: 1, value: 2.5 }]);

    await database.prisma.trainingRun.update({
      where: { id },
      data: { status: "RUNNING", step: 2, totalSteps: 6, progress: 2 / 6, startedAt: new Date() },
    });
    await database.prisma.runMetric.create({ data: { runId: id, name: "train/loss", step: 2, value: 2.1 } });
    await database.prisma.runLog.create({
      data: { runId: id, attempt: 1, level: "info", message: "step 2" },
    });
    const second = await next(stream);
    expect(second.data.run).toMatchObject({ status: "RUNNING", step: 2, totalSteps: 6 });
    expect(second.data.metrics).toEqual([{ name: "train/loss", step: 2, value: 2.1 }]);
    expect(second.data.logs.map((line) => line.message)).toEqual(["step 2"]);
    await stream.return?.();

    // A reconnect with the first event's id gets what came after it, nothing twice.
    const resumed = (await admin.training.live({ id, lastEventId: first.id }))[Symbol.asyncIterator]();
    const replay = await next(resumed);
    expect(replay.data.metrics).toEqual([{ name: "train/loss", step: 2, value: 2.1 }]);
    expect(replay.data.logs.map((line) => line.message)).toEqual(["step 2"]);
    await resumed.return?.();

    const annotator = (await callers.person("ANNOTATOR")).api;
    const missing = await annotator.training.live({ id: "missing" });
    expect((await rejection(missing[Symbol.asyncIterator]().next())).code).toBe("NOT_FOUND");
  });
});

describe("training.inputOptions", () => {
  it("offers the snapshots with their counts and why a file is empty, and the model versions", async () => {
    const { snapshots, versions } = await admin.training.inputOptions();
    const modelsOnly = snapshots.find((s) => s.id === emptySnapshotId)!;
    expect(modelsOnly.files.find((f) => f.name === "sft.jsonl")?.lines).toBe(0);
    expect(modelsOnly.explanations["sft.jsonl"]).toMatch(/model outputs .* go to ranking/);
    expect(snapshots.find((s) => s.id === snapshotId)?.explanations["sft.jsonl"]).toBeUndefined();
    // The snapshot page shows the same explanation.
    const listed = (await admin.datasets.snapshots()).find((s) => s.id === emptySnapshotId)!;
    expect(listed.explanations).toEqual(modelsOnly.explanations);
    expect(versions.find((v) => v.id === baseId)).toMatchObject({ label: "tiny-base v1", kind: "BASE" });
    const annotator = (await callers.person("ANNOTATOR")).api;
    expect((await rejection(annotator.training.inputOptions())).code).toBe("FORBIDDEN");
  });
});

describe("training.quickStart", () => {
  it("seeds the example data, freezes a snapshot with every file filled, and starts the pipeline's first run", async () => {
    const annotator = (await callers.person("ANNOTATOR")).api;
    expect((await rejection(annotator.training.quickStart())).code).toBe("FORBIDDEN");
    const { pipelineId, runIds } = await admin.training.quickStart();
    expect(runIds).toHaveLength(1);
    const run = await database.prisma.trainingRun.findUniqueOrThrow({
      where: { id: runIds[0] },
      include: { snapshot: true },
    });
    expect(run).toMatchObject({ kind: "pretrain", status: "QUEUED", pipelineId, pipelineStage: 0 });
    expect((await queue.getJob(run.id))?.data).toEqual({ runId: run.id, kind: "pretrain" });
    const files = run.snapshot!.files as { name: string; lines: number }[];
    for (const name of ["sft.jsonl", "preference.jsonl", "text.jsonl"])
      expect(files.find((f) => f.name === name)?.lines).toBeGreaterThan(0);
    expect(run.snapshot!.name).toMatch(/^quick-start /);
  });
});

describe("training.list and training.get", () => {
  it("let any signed-in role read runs, but not anonymous callers", async () => {
    const annotator = (await callers.person("ANNOTATOR")).api;
    const runs = await annotator.training.list();
    expect(runs.length).toBeGreaterThan(0);
    expect(new Set(runs.map((run) => run.kind))).toEqual(new Set(["sft", "pretrain"]));
    const running = await annotator.training.list({ status: "RUNNING" });
    expect(running.map((run) => run.status)).toEqual(["RUNNING", "RUNNING"]);
    expect(await annotator.training.list({ kind: "dpo" })).toEqual([]);
    const run = await annotator.training.get({ id: runs[0].id });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect((await rejection(annotator.training.get({ id: "missing" }))).code).toBe("NOT_FOUND");
    expect((await rejection(callers.anonymous().training.list())).code).toBe("UNAUTHORIZED");
  });
});

describe("outbox", () => {
  it("records a run while Redis is down, and the sweeper enqueues it exactly once when Redis is back", async () => {
    // Runs of the other tests were queued on another queue: this sweeper would rightly re-publish them.
    await database.prisma.trainingRun.deleteMany();
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const downQueue = createTrainingQueue({ kind: "redis", url, prefix: "outbox" });
    downQueue.on("error", () => {});
    const down = testCallers(database.prisma, () => downQueue);
    const { id, status } = await (await down.person("ADMIN")).api.training.start(sftSpec());
    expect(status).toBe("PENDING");
    expect(await database.prisma.trainingRun.count({ where: { id } })).toBe(1);

    const redis = await startRedisServer({
      binary: findRedisServer()!,
      port,
      dir: `${services().tempDir}/outbox-redis`,
    });
    // The trainer's sweeper, with its own connection, as in production.
    const sweeperQueue = createTrainingQueue({ kind: "redis", url, prefix: "outbox" });
    try {
      expect(await sweepPendingRuns(database.prisma, sweeperQueue, 0)).toBe(1);
      expect(await sweepPendingRuns(database.prisma, sweeperQueue, 0)).toBe(0);
      expect(
        await sweeperQueue.getJobCountByTypes("waiting", "active", "delayed", "completed", "failed"),
      ).toBe(1);
      expect((await sweeperQueue.getJob(id))?.data.runId).toBe(id);
      expect((await database.prisma.trainingRun.findUniqueOrThrow({ where: { id } })).status).toBe("QUEUED");
    } finally {
      await sweeperQueue.close();
      await downQueue.close();
      await redis.stop();
    }
  });
});
