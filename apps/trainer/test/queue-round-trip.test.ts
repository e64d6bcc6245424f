import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRun } from "@rlhf/db/outbox";
import { createTestDatabase, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { METRICS } from "@rlhf/shared";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import { startTrainer, stopTrainer, waitFor, type TrainerProcess } from "./trainer-process";

let database: TestDatabase;
let queue: TrainingQueue;
const backend = testQueueBackend();
const trainers: TrainerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createTrainingQueue(backend);
});
afterAll(async () => {
  for (const trainer of trainers) await stopTrainer(trainer);
  await queue.close();
  await database.drop();
});

async function startDemoRun(config: Record<string, number>) {
  const run = await database.prisma.trainingRun.create({ data: { kind: "demo", config } });
  // The same call the web app makes after writing the row.
  await publishRun(database.prisma, queue, run);
  return run;
}

const runRow = (id: string) => database.prisma.trainingRun.findUniqueOrThrow({ where: { id } });

async function waitForStatus(id: string, status: string, trainer: () => TrainerProcess) {
  await waitFor(
    async () => (await runRow(id)).status === status,
    () => `run ${id} never reached ${status}; trainer output:\n${trainer().output()}`,
  );
}

describe("trainer process", () => {
  it("completes a job enqueued by the web side and reports progress, metrics and health", async () => {
    const trainer = await startTrainer(database.url, backend);
    trainers.push(trainer);
    const health = await fetch(trainer.healthUrl);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", db: "ok", queue: "ok" });

    const run = await startDemoRun({ steps: 5, stepMs: 20 });
    await waitForStatus(run.id, "SUCCEEDED", () => trainer);
    const done = await runRow(run.id);
    expect(done).toMatchObject({ progress: 1, attempts: 1, error: null });
    expect(done.finishedAt).not.toBeNull();
    const losses = await database.prisma.runMetric.findMany({
      where: { runId: run.id, name: METRICS.trainLoss },
      orderBy: { step: "asc" },
    });
    expect(losses.map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
    expect(losses[4].value).toBeLessThan(losses[0].value);
    expect((await queue.getJob(run.id))?.progress).toBe(1);
  });

  it("marks a run FAILED with the handler's error", async () => {
    const run = await startDemoRun({ steps: 5, stepMs: 10, failAtStep: 3 });
    await waitForStatus(run.id, "FAILED", () => trainers[0]);
    expect((await runRow(run.id)).error).toMatch(/failed on purpose at step 3/);
    // The row is marked FAILED just before the processor rethrows and BullMQ moves the job to failed.
    await waitFor(
      async () => (await queue.getJobState(run.id)) === "failed",
      () => `job ${run.id} never reached the failed state`,
    );
  });

  it("retries the job of a SIGKILLed trainer on a new trainer, ending SUCCEEDED with one run row", async () => {
    await stopTrainer(trainers.pop()!);
    const doomed = await startTrainer(database.url, backend);
    const run = await startDemoRun({ steps: 30, stepMs: 100 });
    await waitFor(
      async () => (await runRow(run.id)).progress >= 0.2,
      () => `run never progressed:\n${doomed.output()}`,
    );
    doomed.child.kill("SIGKILL");
    await doomed.exited;

    const rescuer = await startTrainer(database.url, backend);
    trainers.push(rescuer);
    await waitForStatus(run.id, "SUCCEEDED", () => rescuer);
    expect(rescuer.output()).toContain("job stalled");
    expect((await runRow(run.id)).attempts).toBe(2);
    expect(
      await database.prisma.trainingRun.count({
        where: { kind: "demo", config: { equals: { steps: 30, stepMs: 100 } } },
      }),
    ).toBe(1);
    const metrics = await database.prisma.runMetric.findMany({ where: { runId: run.id } });
    expect(metrics).toHaveLength(30);
  });
});
