// Writing, cancelling and resuming runs: the web router's calls, kept here so the trainer and the tests share them.
import { DEFAULT_OUTPUT_MODEL_NAME, type RunSpec } from "@rlhf/shared";
import type { TrainingQueue } from "@rlhf/shared/queue";
import type { PrismaClient, TrainingRun } from "../index";
import { publishRun } from "../outbox";
import { validateRunInputs } from "./validate";

/**
 * Validates the spec's inputs (throws RunInputError, writing nothing) and writes the run PENDING with an audit
 * entry. The caller then publishes it (publishRun): the row is the outbox entry.
 */
export async function createRun(
  prisma: PrismaClient,
  spec: RunSpec,
  actorId: string | null,
): Promise<TrainingRun> {
  await validateRunInputs(prisma, spec);
  return prisma.$transaction(async (tx) => {
    const run = await tx.trainingRun.create({
      data: {
        kind: spec.kind,
        config: spec.config,
        backend: spec.backend,
        backendOptions: spec.backendOptions,
        snapshotId: spec.snapshotId,
        baseModelVersionId: "baseModelVersionId" in spec ? spec.baseModelVersionId : null,
        rewardModelVersionId: "rewardModelVersionId" in spec ? spec.rewardModelVersionId : null,
        outputModelName: spec.outputModelName ?? DEFAULT_OUTPUT_MODEL_NAME[spec.kind],
        createdById: actorId,
      },
    });
    await tx.auditLog.create({
      data: { actorId, action: "run.create", target: `run:${run.id}`, details: { kind: spec.kind } },
    });
    return run;
  });
}

/**
 * Cancels a run: one not yet started ends CANCELLED at once; a RUNNING one gets a cancel request that its
 * trainer notices within a second and turns into a stop at the next step boundary (checkpoint kept). Returns the
 * run's status after the call; a finished run is left as it is.
 */
export async function requestRunCancel(prisma: PrismaClient, runId: string, actorId: string | null) {
  return prisma.$transaction(async (tx) => {
    const run = await tx.trainingRun.findUnique({ where: { id: runId } });
    if (!run) throw new Error(`runId: no run ${runId}`);
    if (run.status === "PENDING" || run.status === "QUEUED") {
      await tx.trainingRun.update({
        where: { id: runId },
        data: {
          status: "CANCELLED",
          cancelRequestedAt: new Date(),
          cancelRequestedById: actorId,
          finishedAt: new Date(),
        },
      });
    } else if (run.status === "RUNNING") {
      await tx.trainingRun.update({
        where: { id: runId },
        data: { cancelRequestedAt: new Date(), cancelRequestedById: actorId },
      });
    } else return run.status;
    await tx.auditLog.create({ data: { actorId, action: "run.cancel", target: `run:${runId}` } });
    return run.status === "RUNNING" ? "RUNNING" : "CANCELLED";
  });
}

/**
 * Starts a CANCELLED or FAILED run again: its job resumes from the last checkpoint in the run's workDir. The
 * finished BullMQ job of the earlier attempt is removed first (its id is the run's id).
 */
export async function resumeRun(
  prisma: PrismaClient,
  queue: TrainingQueue,
  runId: string,
  actorId: string | null,
): Promise<void> {
  const resumed = await prisma.trainingRun.updateMany({
    where: { id: runId, status: { in: ["CANCELLED", "FAILED"] } },
    data: {
      status: "PENDING",
      cancelRequestedAt: null,
      cancelRequestedById: null,
      error: null,
      finishedAt: null,
    },
  });
  if (resumed.count === 0)
    throw new Error(`runId: run ${runId} is not cancelled or failed, so it cannot be resumed`);
  await prisma.auditLog.create({ data: { actorId, action: "run.resume", target: `run:${runId}` } });
  await queue.remove(runId);
  const run = await prisma.trainingRun.findUniqueOrThrow({ where: { id: runId } });
  await publishRun(prisma, queue, run);
}
