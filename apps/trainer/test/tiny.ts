// Tiny hyper-parameters (seconds per run on one core) and a registered tiny base model for trainer tests.
import { join } from "node:path";
import type { PrismaClient } from "@rlhf/db";
import { registerModelVersion } from "@rlhf/db/registry";
import { readCheckpointInfo } from "@rlhf/db/runs";
import { runConfigSchemas, type RunConfigInput, type RunKind } from "@rlhf/shared";
import { runTraining } from "../src/handlers";

const POST = { epochs: 1, batchSize: 4, maxLength: 64, logEvery: 1, evalEvery: 5, saveEvery: 5 };

export const TINY: { [K in RunKind]: RunConfigInput<K> } = {
  pretrain: {
    model: { width: 32, layers: 1, heads: 2, contextLength: 64 },
    tokenizer: { vocabSize: 320 },
    steps: 12,
    batchSize: 4,
    evalEvery: 6,
    checkpointEvery: 6,
    logEvery: 1,
    schedule: { lr: 3e-3, warmupSteps: 2 },
  },
  sft: { ...POST, learningRate: 1e-3 },
  reward: { ...POST, learningRate: 1e-3 },
  dpo: { ...POST, learningRate: 1e-4 },
  ppo: { ...POST, maxSteps: 2, responseLength: 8, learningRate: 1e-4 },
};

const silent = { progress: () => {}, metrics: () => {}, log: () => {} };

/** Pretrains a tiny base on the snapshot in this process and registers it (the start of every post-training test). */
export async function registerTinyBase(
  prisma: PrismaClient,
  snapshot: { id: string; dir: string },
  workDir: string,
) {
  const result = await runTraining(
    {
      type: "train",
      kind: "pretrain",
      config: runConfigSchemas.pretrain.parse(TINY.pretrain),
      inputs: { snapshotDir: snapshot.dir, baseDir: null, rewardDir: null },
      workDir: join(workDir, "tiny-base"),
      backend: "engine",
    },
    { signal: new AbortController().signal, report: silent },
  );
  return registerModelVersion(prisma, {
    modelName: "tiny-base",
    kind: "BASE",
    artifactDir: result.finalCheckpoint,
    snapshotId: snapshot.id,
    architecture: readCheckpointInfo(result.finalCheckpoint).architecture,
  });
}
