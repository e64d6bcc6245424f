import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVALUATION_STATUSES, MODEL_KINDS, ROLES, RUN_STATUSES } from "@rlhf/shared";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import { EvaluationStatus, ModelKind, Role, RunStatus } from "../src/index";
import { seedDemoAccounts } from "../src/seed";
import { publishRun, sweepPendingRuns } from "../src/outbox";
import { createTestDatabase, testQueueBackend, type TestDatabase } from "../src/test-support";

let database: TestDatabase;
let queue: TrainingQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createTrainingQueue(testQueueBackend());
});
afterAll(async () => {
  await queue.close();
  await database.drop();
});

describe("schema", () => {
  it("keeps the database enums equal to the shared contracts", () => {
    expect(Object.values(Role)).toEqual([...ROLES]);
    expect(Object.values(RunStatus)).toEqual([...RUN_STATUSES]);
    expect(Object.values(ModelKind)).toEqual([...MODEL_KINDS]);
    expect(Object.values(EvaluationStatus)).toEqual([...EVALUATION_STATUSES]);
  });

  it("stores one metric per run, name and step", async () => {
    const run = await database.prisma.trainingRun.create({ data: { kind: "sft", config: {} } });
    const point = { runId: run.id, name: "train/loss", step: 1, value: 0.5 };
    await database.prisma.runMetric.createMany({ data: [point] });
    await database.prisma.runMetric.createMany({
      data: [point, { ...point, step: 2 }],
      skipDuplicates: true,
    });
    expect(await database.prisma.runMetric.count({ where: { runId: run.id } })).toBe(2);
  });
});

describe("seedDemoAccounts", () => {
  it("creates an admin, a reviewer and two annotators once, with hashed passwords", async () => {
    const accounts = await seedDemoAccounts(database.prisma);
    expect(accounts.map((a) => a.role).sort()).toEqual(["ADMIN", "ANNOTATOR", "ANNOTATOR", "REVIEWER"]);
    const admin = accounts.find((a) => a.role === "ADMIN")!;
    const row = await database.prisma.user.findUniqueOrThrow({ where: { email: admin.email } });
    expect(row.passwordHash).not.toContain(admin.password);
    expect(await bcrypt.compare(admin.password, row.passwordHash)).toBe(true);
    expect(new Set(accounts.map((a) => a.password)).size).toBe(4);

    expect(await seedDemoAccounts(database.prisma)).toEqual([]);
    expect(await database.prisma.user.count()).toBe(4);
  });
});

describe("outbox", () => {
  it("publishes a run as exactly one job however often it is published", async () => {
    const run = await database.prisma.trainingRun.create({ data: { kind: "sft", config: {} } });
    await publishRun(database.prisma, queue, run);
    await publishRun(database.prisma, queue, run);
    const jobs = await queue.getJobs(["waiting"]);
    expect(jobs.filter((job) => job.data.runId === run.id)).toHaveLength(1);
    const row = await database.prisma.trainingRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.status).toBe("QUEUED");
    expect(row.enqueuedAt).not.toBeNull();
  });

  it("sweeps only runs that stayed PENDING longer than the grace period", async () => {
    const old = await database.prisma.trainingRun.create({
      data: { kind: "sft", config: {}, createdAt: new Date(Date.now() - 60_000) },
    });
    const fresh = await database.prisma.trainingRun.create({ data: { kind: "sft", config: {} } });
    expect(await sweepPendingRuns(database.prisma, queue, 30_000)).toBe(1);
    expect(await sweepPendingRuns(database.prisma, queue, 30_000)).toBe(0);
    expect((await queue.getJob(old.id))?.data.runId).toBe(old.id);
    expect(await queue.getJob(fresh.id)).toBeUndefined();
  });

  it("fails a run of an unknown kind and still publishes the runs behind it", async () => {
    const long = new Date(Date.now() - 60_000);
    const unknown = await database.prisma.trainingRun.create({
      data: { kind: "no-such-kind", config: {}, createdAt: new Date(long.getTime() - 1000) },
    });
    const good = await database.prisma.trainingRun.create({
      data: { kind: "sft", config: {}, createdAt: long },
    });
    expect(await sweepPendingRuns(database.prisma, queue, 30_000)).toBe(1);
    const failed = await database.prisma.trainingRun.findUniqueOrThrow({ where: { id: unknown.id } });
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(/no-such-kind/);
    expect((await queue.getJob(good.id))?.data.runId).toBe(good.id);
  });

  it("re-publishes a QUEUED run whose job the queue lost", async () => {
    const run = await database.prisma.trainingRun.create({
      data: { kind: "sft", config: {}, createdAt: new Date(Date.now() - 60_000) },
    });
    await publishRun(database.prisma, queue, run);
    await database.prisma.trainingRun.update({
      where: { id: run.id },
      data: { enqueuedAt: new Date(Date.now() - 60_000) },
    });
    expect(await sweepPendingRuns(database.prisma, queue, 30_000)).toBe(0);
    await queue.remove(run.id); // as a queue restarted without its data would have it
    expect(await sweepPendingRuns(database.prisma, queue, 30_000)).toBe(1);
    expect((await queue.getJob(run.id))?.data.runId).toBe(run.id);
    const row = await database.prisma.trainingRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.status).toBe("QUEUED");
  });
});
