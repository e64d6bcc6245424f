import { afterAll, beforeAll, expect, it } from "vitest";
import { publishRun } from "@rlhf/db/outbox";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { createTrainingQueue, type QueueBackend, type TrainingQueue } from "@rlhf/shared/queue";
import { startTrainer, stopTrainer, waitFor, type TrainerProcess } from "./trainer-process";

// The fallback for machines without Redis: BullMQ's PostgreSQL backend on the platform's own database.
let database: TestDatabase;
let queue: TrainingQueue;
let trainer: TrainerProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  if (trainer) await stopTrainer(trainer);
  await queue?.close();
  await database.drop();
});

it("runs a job end to end on BullMQ's PostgreSQL backend", async () => {
  const backend: QueueBackend = { kind: "postgres", databaseUrl: database.url };
  trainer = await startTrainer(database.url, backend);
  expect(trainer.output()).toContain('"queueBackend":"postgres"');
  queue = createTrainingQueue(backend);
  const run = await database.prisma.trainingRun.create({
    data: { kind: "demo", config: { steps: 3, stepMs: 10 } },
  });
  await publishRun(database.prisma, queue, run);
  await waitFor(
    async () =>
      (await database.prisma.trainingRun.findUniqueOrThrow({ where: { id: run.id } })).status === "SUCCEEDED",
    () => `run never succeeded:\n${trainer!.output()}`,
  );
  expect(await database.prisma.runMetric.count({ where: { runId: run.id } })).toBe(3);
});
