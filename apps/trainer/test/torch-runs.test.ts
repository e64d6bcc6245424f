import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadBaseModel } from "@rlhf/engine";
import { publishRun } from "@rlhf/db/outbox";
import { createRun } from "@rlhf/db/runs";
import { createTestDatabase, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { runSpecSchema } from "@rlhf/shared";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import { createFixtureSnapshot } from "./snapshot-fixture";
import { registerTinyBase, TINY } from "./tiny";
import { startTrainer, stopTrainer, waitFor, type TrainerProcess } from "./trainer-process";

// The torch backend from the platform's side (issue 14): an SFT and a DPO run on a platform snapshot, chosen with
// `backend: "torch"`, trained by TRL under torchrun, end SUCCEEDED with their metrics in Postgres and a registered
// version the engine loads: the models are interchangeable with the engine's.
let database: TestDatabase;
let queue: TrainingQueue;
let trainer: TrainerProcess;
let artifacts: string;
let snapshotId: string;
let baseId: string;
const backend = testQueueBackend();

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createTrainingQueue(backend);
  artifacts = mkdtempSync(join(tmpdir(), "rlhf-torch-runs-"));
  const snapshot = await createFixtureSnapshot(database.prisma, artifacts);
  snapshotId = snapshot.id;
  baseId = (await registerTinyBase(database.prisma, snapshot, artifacts)).id;
  trainer = await startTrainer(database.url, backend, { ARTIFACTS_DIR: artifacts });
}, 300_000);
afterAll(async () => {
  await stopTrainer(trainer);
  await queue.close();
  await database.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

it(
  "trains SFT and DPO with TRL from the new-run spec, with metrics in Postgres",
  { timeout: 600_000 },
  async () => {
    const runs: Awaited<ReturnType<typeof createRun>>[] = [];
    for (const kind of ["sft", "dpo"] as const) {
      const spec = runSpecSchema.parse({
        kind,
        snapshotId,
        baseModelVersionId: baseId,
        backend: "torch",
        backendOptions: { processes: 1 },
        config: TINY[kind],
      });
      const run = await createRun(database.prisma, spec, null);
      await publishRun(database.prisma, queue, run);
      runs.push(run);
    }
    const rows = () =>
      database.prisma.trainingRun.findMany({
        where: { id: { in: runs.map((run) => run.id) } },
        include: { outputVersion: true },
      });
    await waitFor(
      async () => {
        const current = await rows();
        const failed = current.find((row) => row.status === "FAILED");
        if (failed) throw new Error(`the torch ${failed.kind} run failed: ${failed.error}`);
        return current.every((row) => row.status === "SUCCEEDED" && row.outputVersion);
      },
      () => `the torch runs did not finish:\n${trainer.output().slice(-3000)}`,
      540_000,
    );
    for (const row of await rows()) {
      expect(row.backend).toBe("torch");
      const losses = await database.prisma.runMetric.findMany({
        where: { runId: row.id, name: "train/loss" },
      });
      expect(losses.length).toBeGreaterThan(0);
      expect(losses.every((m) => Number.isFinite(m.value))).toBe(true);
      expect(row.outputVersion!.parentVersionId).toBe(baseId);
      const model = loadBaseModel(row.outputVersion!.artifactDir);
      expect(Object.keys(model.weights).length).toBeGreaterThan(0);
    }
  },
);
