// Pipelines: runs on one snapshot where a stage starts from the model an earlier stage produced. The first
// stages are written and published at once; each later one when the stage it builds on has succeeded (the trainer
// calls advancePipeline), so every stage is a run of its own with its model registered and evaluated.
import type { RunKind } from "@rlhf/shared";
import { runSpecSchema } from "@rlhf/shared";
import type { TrainingQueue } from "@rlhf/shared/queue";
import type { Pipeline, PrismaClient, TrainingRun } from "../index";
import { publishRun } from "../outbox";
import { createRun } from "./lifecycle";

export interface PipelineStage {
  kind: RunKind;
  /** The kind's hyper-parameters (runConfigSchemas in @rlhf/shared; defaults fill the rest). */
  config?: Record<string, unknown>;
  outputModelName?: string;
  /** The stage whose output model this stage starts from (its base model). */
  baseFromStage?: number;
  /** PPO: the stage whose output is the reward model. */
  rewardFromStage?: number;
}

async function startStage(
  prisma: PrismaClient,
  queue: TrainingQueue,
  pipeline: Pipeline,
  index: number,
  outputs: ReadonlyMap<number, string>,
): Promise<TrainingRun> {
  const stage = (pipeline.stages as unknown as PipelineStage[])[index];
  const outputOf = (from: number) => {
    const versionId = outputs.get(from);
    if (!versionId)
      throw new Error(`pipeline stage ${index} needs the model of stage ${from}, which has none yet`);
    return versionId;
  };
  const spec = runSpecSchema.parse({
    kind: stage.kind,
    snapshotId: pipeline.snapshotId,
    config: stage.config ?? {},
    ...(stage.outputModelName && { outputModelName: stage.outputModelName }),
    ...(stage.baseFromStage !== undefined && { baseModelVersionId: outputOf(stage.baseFromStage) }),
    ...(stage.rewardFromStage !== undefined && {
      rewardModelVersionId: outputOf(stage.rewardFromStage),
    }),
  });
  const run = await createRun(prisma, spec, pipeline.createdById);
  const staged = await prisma.trainingRun.update({
    where: { id: run.id },
    data: { pipelineId: pipeline.id, pipelineStage: index },
  });
  await publishRun(prisma, queue, staged);
  return staged;
}

/** Writes the pipeline and starts the stages that depend on no other stage. */
export async function startPipeline(
  prisma: PrismaClient,
  queue: TrainingQueue,
  input: { name: string; snapshotId: string; stages: PipelineStage[]; actorId: string | null },
): Promise<{ pipeline: Pipeline; runs: TrainingRun[] }> {
  const pipeline = await prisma.pipeline.create({
    data: {
      name: input.name,
      snapshotId: input.snapshotId,
      stages: input.stages as unknown as object[],
      createdById: input.actorId,
    },
  });
  const runs = [];
  for (const [index, stage] of input.stages.entries())
    if (stage.baseFromStage === undefined && stage.rewardFromStage === undefined)
      runs.push(await startStage(prisma, queue, pipeline, index, new Map()));
  return { pipeline, runs };
}

/**
 * After a pipeline run succeeded: starts every stage whose inputs are now all produced and that has no run yet
 * (so calling it twice starts nothing twice). Returns the runs it started.
 */
export async function advancePipeline(
  prisma: PrismaClient,
  queue: TrainingQueue,
  runId: string,
): Promise<TrainingRun[]> {
  const run = await prisma.trainingRun.findUniqueOrThrow({
    where: { id: runId },
    include: { pipeline: true },
  });
  if (!run.pipeline) return [];
  const pipeline = run.pipeline;
  const existing = await prisma.trainingRun.findMany({
    where: { pipelineId: pipeline.id },
    include: { outputVersion: true },
  });
  const outputs = new Map(
    existing.filter((r) => r.outputVersion).map((r) => [r.pipelineStage!, r.outputVersion!.id] as const),
  );
  const started = new Set(existing.map((r) => r.pipelineStage));
  const runs = [];
  for (const [index, stage] of (pipeline.stages as unknown as PipelineStage[]).entries()) {
    const needs = [stage.baseFromStage, stage.rewardFromStage].filter((s): s is number => s !== undefined);
    if (started.has(index) || needs.length === 0 || !needs.every((s) => outputs.has(s))) continue;
    runs.push(await startStage(prisma, queue, pipeline, index, outputs));
  }
  return runs;
}
