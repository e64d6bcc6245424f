import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { sweepPendingRuns } from "@rlhf/db/outbox";
import { findRedisServer, freePort, startRedisServer } from "@rlhf/db/services";
import { createTestDatabase, services, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import { testCallers } from "../test-callers";

let database: TestDatabase;
let queue: TrainingQueue;
let callers: ReturnType<typeof testCallers>;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createTrainingQueue(testQueueBackend());
  callers = testCallers(database.prisma, () => queue);
});
afterAll(async () => {
  await queue.close();
  await database.drop();
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

describe("training.startDemo", () => {
  it("is FORBIDDEN to an annotator and a reviewer, and writes nothing", async () => {
    for (const role of ["ANNOTATOR", "REVIEWER"] as const) {
      const caller = (await callers.person(role)).api;
      expect((await rejection(caller.training.startDemo({}))).code).toBe("FORBIDDEN");
    }
    expect((await rejection(callers.anonymous().training.startDemo({}))).code).toBe("UNAUTHORIZED");
    expect(await runCount()).toBe(0);
    expect(await database.prisma.auditLog.count()).toBe(0);
  });

  it("rejects bad input with a zod error naming the field, and writes nothing", async () => {
    const admin = (await callers.person("ADMIN")).api;
    const negative = await rejection(admin.training.startDemo({ steps: -1 }));
    expect(negative.code).toBe("BAD_REQUEST");
    expect(negative.cause).toBeInstanceOf(ZodError);
    expect((negative.cause as ZodError).issues.map((issue) => issue.path.join("."))).toEqual(["steps"]);
    const unknownField = await rejection(admin.training.startDemo({ stepz: 3 } as never));
    expect(unknownField.message).toContain("stepz");
    expect(await runCount()).toBe(0);
  });

  it("writes the run, enqueues its job under the run's id and audits the action", async () => {
    const admin = (await callers.person("ADMIN")).api;
    const { id, status } = await admin.training.startDemo({ steps: 3 });
    expect(status).toBe("QUEUED");
    const job = await queue.getJob(id);
    expect(job?.data).toEqual({ runId: id, kind: "demo" });
    const row = await database.prisma.trainingRun.findUniqueOrThrow({ where: { id } });
    expect(row.config).toEqual({ steps: 3, stepMs: 150 });
    expect(await database.prisma.auditLog.count({ where: { action: "training.start", target: id } })).toBe(1);
  });
});

describe("training.list and training.get", () => {
  it("let any signed-in role read runs, but not anonymous callers", async () => {
    const annotator = (await callers.person("ANNOTATOR")).api;
    const runs = await annotator.training.list();
    expect(runs.length).toBeGreaterThan(0);
    const run = await annotator.training.get({ id: runs[0].id });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(run.loss).toEqual([]);
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
    const admin = testCallers(database.prisma, () => downQueue);
    const { id, status } = await (await admin.person("ADMIN")).api.training.startDemo({});
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
