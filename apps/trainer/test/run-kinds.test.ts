import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadBaseModel } from "@rlhf/engine";
import { startPipeline, type PipelineStage } from "@rlhf/db/runs";
import { createTestDatabase, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { EVALUATION_METRICS as M } from "@rlhf/shared";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import { createFixtureSnapshot } from "./snapshot-fixture";
import { TINY } from "./tiny";
import { startTrainer, stopTrainer, waitFor, type TrainerProcess } from "./trainer-process";

// Every run kind, against real Postgres, Redis and trainer process, as one pipeline (the quick-start's mechanism):
// pretrain a base from a snapshot; SFT on it; a reward model and DPO from the SFT model; PPO with that reward
// model. Each stage must end SUCCEEDED with a registered version, evaluated, whose checkpoint the engine loads.
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

const STAGES: PipelineStage[] = [
  { kind: "pretrain", config: TINY.pretrain },
  { kind: "sft", baseFromStage: 0, config: TINY.sft },
  { kind: "reward", baseFromStage: 1, config: TINY.reward },
  { kind: "dpo", baseFromStage: 1, config: TINY.dpo },
  { kind: "ppo", baseFromStage: 1, rewardFromStage: 2, config: TINY.ppo },
];

it(
  "trains every kind as a pipeline, each model registered, evaluated and loadable",
  { timeout: 600_000 },
  async () => {
    const snapshot = await createFixtureSnapshot(database.prisma, artifacts);
    const { pipeline, runs } = await startPipeline(database.prisma, queue, {
      name: "every kind",
      snapshotId: snapshot.id,
      stages: STAGES,
      actorId: null,
    });
    expect(runs.map((run) => run.kind)).toEqual(["pretrain"]);
    const stages = () =>
      database.prisma.trainingRun.findMany({
        where: { pipelineId: pipeline.id },
        orderBy: { pipelineStage: "asc" },
        include: { outputVersion: { include: { model: true, evaluations: true } } },
      });
    await waitFor(
      async () => {
        const rows = await stages();
        const failed = rows.find((row) => row.status === "FAILED");
        if (failed) throw new Error(`the ${failed.kind} run failed: ${failed.error}`);
        return (
          rows.length === STAGES.length &&
          rows.every((row) => row.outputVersion?.evaluations[0]?.status === "SUCCEEDED")
        );
      },
      () => `the pipeline did not finish:\n${trainer.output().slice(-3000)}`,
      540_000,
    );
    const rows = await stages();
    const byKind = Object.fromEntries(rows.map((row) => [row.kind, row]));
    for (const row of rows)
      console.log(
        `${row.kind}: ${((row.finishedAt!.getTime() - row.startedAt!.getTime()) / 1000).toFixed(1)} s; evaluation ${JSON.stringify(row.outputVersion!.evaluations[0].metrics)}`,
      );
    const metrics = (kind: string) =>
      byKind[kind].outputVersion!.evaluations[0].metrics as Record<string, number>;
    const version = (kind: string) => byKind[kind].outputVersion!;

    expect(version("pretrain")).toMatchObject({ version: 1, snapshotId: snapshot.id, parentVersionId: null });
    expect(version("pretrain").model).toMatchObject({ name: "base", kind: "BASE" });
    expect(version("pretrain").exportDir).not.toBeNull();
    expect(metrics("pretrain")[M.validationPerplexity]).toBeGreaterThan(1);
    expect(metrics("pretrain")[M.evalSetNll]).toBeGreaterThan(0);
    expect(version("pretrain").evaluations[0].samples).toHaveLength(8);
    const losses = await database.prisma.runMetric.findMany({
      where: { runId: byKind.pretrain.id, name: "train/loss" },
    });
    expect(losses.map((m) => m.step).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );

    expect(version("sft")).toMatchObject({ parentVersionId: version("pretrain").id, model: { kind: "SFT" } });
    expect(metrics("sft")[M.klToParent]).toBeTypeOf("number");
    expect(metrics("sft")[M.meanLength]).toBeGreaterThan(0);

    expect(version("reward").model.kind).toBe("REWARD");
    expect(loadBaseModel(version("reward").artifactDir).weights["score.weight"]).toBeDefined();
    expect(metrics("reward")[M.rewardPairs]).toBeGreaterThan(0);
    expect(metrics("reward")[M.rewardAccuracy]).toBeGreaterThanOrEqual(0);

    for (const kind of ["dpo", "ppo"]) {
      expect(version(kind)).toMatchObject({ parentVersionId: version("sft").id, model: { kind: "POLICY" } });
      expect(version(kind).evaluations[0].judgeVersionId).toBe(version("reward").id);
      expect(metrics(kind)[M.winRate]).toBeGreaterThanOrEqual(0);
      expect(metrics(kind)[M.winRate]).toBeLessThanOrEqual(1);
      expect(metrics(kind)[M.lengthControlledWinRate]).toBeGreaterThan(0);
    }
    expect(byKind.ppo.rewardModelVersionId).toBe(version("reward").id);
    for (const kind of ["pretrain", "sft", "dpo", "ppo"])
      expect(loadBaseModel(version(kind).artifactDir).model.vocabSize).toBeGreaterThan(256);
  },
);
