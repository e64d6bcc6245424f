import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBaseModel } from "@rlhf/engine";
import { publishRun } from "@rlhf/db/outbox";
import { createRun } from "@rlhf/db/runs";
import { createTestDatabase, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { EVALUATION_METRICS as M, runSpecSchema, type RunKind } from "@rlhf/shared";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import { createFixtureSnapshot } from "./snapshot-fixture";
import { TINY } from "./tiny";
import { startTrainer, stopTrainer, waitFor, type TrainerProcess } from "./trainer-process";

// The whole loop per kind, against real Postgres, Redis and trainer process: pretrain a base from a snapshot,
// then SFT on it, a reward model and DPO from the SFT model, PPO with that reward model. Each run must end
// SUCCEEDED with a registered version, evaluated, whose checkpoint the engine loads.
let database: TestDatabase;
let queue: TrainingQueue;
let trainer: TrainerProcess;
let artifacts: string;
const backend = testQueueBackend();

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createTrainingQueue(backend);
  artifacts = mkdtempSync(join(tmpdir(), "rlhf-runs-"));
  trainer = await startTrainer(database.url, backend, { ARTIFACTS_DIR: artifacts });
});
afterAll(async () => {
  await stopTrainer(trainer);
  await queue.close();
  await database.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

async function runToCompletion(spec: Record<string, unknown>) {
  const started = Date.now();
  const run = await createRun(database.prisma, runSpecSchema.parse(spec), null);
  await publishRun(database.prisma, queue, run);
  const row = () =>
    database.prisma.trainingRun.findUniqueOrThrow({
      where: { id: run.id },
      include: { outputVersion: { include: { evaluations: true, model: true } } },
    });
  await waitFor(
    async () => ["SUCCEEDED", "FAILED"].includes((await row()).status),
    () => `run ${spec.kind} did not finish:\n${trainer.output().slice(-3000)}`,
    120_000,
  );
  const done = await row();
  expect(done.error).toBeNull();
  expect(done.status).toBe("SUCCEEDED");
  const seconds = (Date.now() - started) / 1000;
  await waitFor(
    async () => (await row()).outputVersion?.evaluations[0]?.status === "SUCCEEDED",
    () => `the evaluation never succeeded:\n${trainer.output().slice(-3000)}`,
    120_000,
  );
  const evaluated = await row();
  const version = evaluated.outputVersion!;
  console.log(
    `${spec.kind}: run ${seconds.toFixed(1)} s, with evaluation ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { run: evaluated, version, metrics: version.evaluations[0].metrics as Record<string, number> };
}

describe("every run kind on a snapshot", () => {
  const versions: Partial<Record<RunKind, string>> = {};
  let snapshotId: string;

  it("pretrains a base model: tokenizer, shards, training, registration, evaluation", async () => {
    snapshotId = (await createFixtureSnapshot(database.prisma, artifacts)).id;
    const { run, version, metrics } = await runToCompletion({
      kind: "pretrain",
      snapshotId,
      config: TINY.pretrain,
    });
    expect(version).toMatchObject({
      version: 1,
      snapshotId,
      parentVersionId: null,
      model: { name: "base", kind: "BASE" },
    });
    expect(loadBaseModel(version.artifactDir).model.vocabSize).toBeGreaterThan(256);
    expect(version.exportDir).not.toBeNull();
    expect(metrics[M.validationPerplexity]).toBeGreaterThan(1);
    expect(metrics[M.evalSetNll]).toBeGreaterThan(0);
    expect(version.evaluations[0].samples).toHaveLength(8);
    const losses = await database.prisma.runMetric.findMany({ where: { runId: run.id, name: "train/loss" } });
    expect(losses.map((m) => m.step).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    versions.pretrain = version.id;
  });

  it("fine-tunes the base (SFT) into a child version compared with its parent", async () => {
    const { version, metrics } = await runToCompletion({
      kind: "sft",
      snapshotId,
      baseModelVersionId: versions.pretrain,
      config: TINY.sft,
    });
    expect(version).toMatchObject({ parentVersionId: versions.pretrain, model: { kind: "SFT" } });
    expect(loadBaseModel(version.artifactDir).model.vocabSize).toBeGreaterThan(256);
    expect(metrics[M.klToParent]).toBeTypeOf("number");
    expect(metrics[M.meanLength]).toBeGreaterThan(0);
    versions.sft = version.id;
  });

  it("trains a reward model scored on held-out pairs", async () => {
    const { version, metrics } = await runToCompletion({
      kind: "reward",
      snapshotId,
      baseModelVersionId: versions.sft,
      config: TINY.reward,
    });
    expect(version.model.kind).toBe("REWARD");
    expect(loadBaseModel(version.artifactDir).weights["score.weight"]).toBeDefined();
    expect(metrics[M.rewardPairs]).toBeGreaterThan(0);
    expect(metrics[M.rewardAccuracy]).toBeGreaterThanOrEqual(0);
    versions.reward = version.id;
  });

  it("trains DPO and PPO policies judged against their parent by the reward model", async () => {
    for (const kind of ["dpo", "ppo"] as const) {
      const { version, metrics } = await runToCompletion({
        kind,
        snapshotId,
        baseModelVersionId: versions.sft,
        ...(kind === "ppo" && { rewardModelVersionId: versions.reward }),
        config: TINY[kind],
      });
      expect(version).toMatchObject({ parentVersionId: versions.sft, model: { kind: "POLICY" } });
      expect(version.evaluations[0].judgeVersionId).toBe(versions.reward);
      expect(metrics[M.winRate]).toBeGreaterThanOrEqual(0);
      expect(metrics[M.winRate]).toBeLessThanOrEqual(1);
      expect(metrics[M.lengthControlledWinRate]).toBeGreaterThan(0);
      expect(loadBaseModel(version.artifactDir).model.vocabSize).toBeGreaterThan(256);
    }
  });
});
