// The quick-start pipeline an admin starts with one button on a fresh install: the bundled example data goes in
// (prompts, demonstrations, model answers and rankings), a snapshot is frozen, then a tiny base is pretrained on
// the snapshot's texts, fine-tuned (SFT), and a reward model and a DPO policy are trained from the SFT model: each
// a run of its own, with its model registered and evaluated.
import { createHash } from "node:crypto";
import type { TrainingQueue } from "@rlhf/shared/queue";
import type { PrismaClient } from "../index";
import { startPipeline, type PipelineStage } from "./pipeline";
import { quickStartExamples } from "./quickstart-data";

/** Sizes chosen for about three minutes on two cores for the whole chain, evaluations included. */
export const QUICK_START_STAGES: PipelineStage[] = [
  {
    kind: "pretrain",
    outputModelName: "quickstart-base",
    config: {
      model: { width: 64, layers: 2, heads: 4, contextLength: 64 },
      tokenizer: { vocabSize: 400 },
      steps: 150,
      batchSize: 8,
      evalEvery: 50,
      checkpointEvery: 50,
      logEvery: 5,
      schedule: { lr: 3e-3, warmupSteps: 10 },
    },
  },
  {
    kind: "sft",
    outputModelName: "quickstart-sft",
    baseFromStage: 0,
    config: {
      epochs: 3,
      batchSize: 8,
      maxLength: 64,
      learningRate: 1e-3,
      logEvery: 5,
      evalEvery: 20,
      saveEvery: 50,
    },
  },
  {
    kind: "reward",
    outputModelName: "quickstart-reward",
    baseFromStage: 1,
    config: {
      epochs: 2,
      batchSize: 8,
      maxLength: 64,
      learningRate: 5e-4,
      logEvery: 5,
      evalEvery: 20,
      saveEvery: 50,
    },
  },
  {
    kind: "dpo",
    outputModelName: "quickstart-dpo",
    baseFromStage: 1,
    config: {
      epochs: 2,
      batchSize: 8,
      maxLength: 64,
      learningRate: 5e-5,
      logEvery: 5,
      evalEvery: 20,
      saveEvery: 50,
    },
  },
];

const hash = (...parts: string[]) =>
  `quickstart:${createHash("sha256").update(parts.join("\n")).digest("hex")}`;

/**
 * Writes the bundled examples as accepted prompts, answers (the good one a demonstration, the others model
 * answers) and one ranking each by `actorId`. Idempotent: a second call adds nothing.
 */
export async function seedQuickStartData(
  prisma: PrismaClient,
  actorId: string,
): Promise<{ prompts: number }> {
  const examples = quickStartExamples();
  await prisma.$transaction(async (tx) => {
    await tx.prompt.createMany({
      data: examples.map((e) => ({
        messages: [{ role: "user", content: e.prompt }],
        language: "en",
        source: "IMPORTED" as const,
        reviewState: "ACCEPTED" as const,
        importHash: hash(e.prompt),
      })),
      skipDuplicates: true,
    });
    const prompts = await tx.prompt.findMany({
      where: { importHash: { in: examples.map((e) => hash(e.prompt)) } },
      select: { id: true, importHash: true },
    });
    const promptId = new Map(prompts.map((p) => [p.importHash!, p.id]));
    await tx.response.createMany({
      data: examples.flatMap((e) =>
        [e.good, ...e.worse].map((text, i) => ({
          promptId: promptId.get(hash(e.prompt))!,
          text,
          kind: i === 0 ? ("IMPORTED" as const) : ("MODEL" as const),
          modelName: i === 0 ? null : "quickstart-example-model",
          reviewState: "ACCEPTED" as const,
          importHash: hash(e.prompt, text),
        })),
      ),
      skipDuplicates: true,
    });
    const responses = await tx.response.findMany({
      where: { promptId: { in: [...promptId.values()] } },
      select: { id: true, importHash: true },
    });
    const responseId = new Map(responses.map((r) => [r.importHash, r.id]));
    await tx.ranking.createMany({
      data: examples.map((e) => ({
        promptId: promptId.get(hash(e.prompt))!,
        userId: actorId,
        order: [e.good, ...e.worse].map((text) => [responseId.get(hash(e.prompt, text))!]),
      })),
      skipDuplicates: true,
    });
  });
  return { prompts: examples.length };
}

/**
 * The quick-start in one call: seeds the example data, freezes a snapshot with the caller's snapshot writer (the
 * web app's createSnapshot, which filters and explains the files), and starts the pipeline. Returns at once; the
 * trainer runs the stages (follow them on the runs page).
 */
export async function startQuickStart(
  prisma: PrismaClient,
  queue: TrainingQueue,
  input: { actorId: string; freezeSnapshot: (name: string) => Promise<string> },
) {
  await seedQuickStartData(prisma, input.actorId);
  const snapshotId = await input.freezeSnapshot(`quick-start ${new Date().toISOString().slice(0, 16)}`);
  return startPipeline(prisma, queue, {
    name: "quick-start",
    snapshotId,
    stages: QUICK_START_STAGES,
    actorId: input.actorId,
  });
}
