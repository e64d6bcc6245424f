import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { publishRun } from "@rlhf/db/outbox";
import { createRun } from "@rlhf/db/runs";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { runSpecSchema } from "@rlhf/shared";
import { createTrainingQueue, type QueueBackend, type TrainingQueue } from "@rlhf/shared/queue";
import { createFixtureSnapshot } from "./snapshot-fixture";
import { TINY } from "./tiny";
import { startTrainer, stopTrainer, waitFor, type TrainerProcess } from "./trainer-process";

// The fallback for machines without Redis: BullMQ's PostgreSQL backend on the platform's own database.
let database: TestDatabase;
let queue: TrainingQueue;
let trainer: TrainerProcess | undefined;
let artifacts: string;

beforeAll(async () => {
  database = await createTestDatabase();
  artifacts = mkdtempSync(join(tmpdir(), "rlhf-pgqueue-"));
});
afterAll(async () => {
  if (trainer) await stopTrainer(trainer);
  await queue?.close();
  await database.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

it("runs a job end to end on BullMQ's PostgreSQL backend", async () => {
  const backend: QueueBackend = { kind: "postgres", databaseUrl: database.url };
  trainer = await startTrainer(database.url, backend, { ARTIFACTS_DIR: artifacts });
  expect(trainer.output()).toContain('"queueBackend":"postgres"');
  queue = createTrainingQueue(backend);
  const snapshot = await createFixtureSnapshot(database.prisma, artifacts, { prompts: 20 });
  const spec = runSpecSchema.parse({ kind: "pretrain", snapshotId: snapshot.id, config: TINY.pretrain });
  const run = await createRun(database.prisma, spec, null);
  await publishRun(database.prisma, queue, run);
  await waitFor(
    async () =>
      (await database.prisma.trainingRun.findUniqueOrThrow({ where: { id: run.id } })).status === "SUCCEEDED",
    () => `run never succeeded:\n${trainer!.output()}`,
    120_000,
  );
  expect(await database.prisma.runMetric.count({ where: { runId: run.id, name: "train/loss" } })).toBe(12);
});
