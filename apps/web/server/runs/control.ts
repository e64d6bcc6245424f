// Starting, cancelling and resuming runs through the shared run lifecycle (@rlhf/db/runs), with its errors
// turned into answers a caller can act on: bad inputs are BAD_REQUEST naming the field, a run in the wrong state
// is CONFLICT naming its state.
import { TRPCError } from "@trpc/server";
import type { PrismaClient } from "@rlhf/db";
import { publishRun } from "@rlhf/db/outbox";
import { createRun, requestRunCancel, resumeRun as resumeSharedRun, RunInputError } from "@rlhf/db/runs";
import { isTerminalStatus, type RunSpec } from "@rlhf/shared";
import type { Logger } from "@rlhf/shared/log";
import type { TrainingQueue } from "@rlhf/shared/queue";

interface RunControlContext {
  prisma: PrismaClient;
  queue: () => TrainingQueue;
  log: Logger;
}

async function status(ctx: RunControlContext, id: string) {
  const run = await ctx.prisma.trainingRun.findUniqueOrThrow({ where: { id }, select: { status: true } });
  return { id, status: run.status };
}

/** Validates the inputs (nothing is written when they cannot work), writes the run, then publishes it. */
export async function startRun(ctx: RunControlContext, actorId: string, spec: RunSpec) {
  let run;
  try {
    run = await createRun(ctx.prisma, spec, actorId);
  } catch (error) {
    if (error instanceof RunInputError)
      throw new TRPCError({ code: "BAD_REQUEST", message: error.message, cause: error });
    throw error;
  }
  const log = ctx.log.child({ runId: run.id });
  try {
    await publishRun(ctx.prisma, ctx.queue(), run);
    log.info("run enqueued");
  } catch (error) {
    // The row is the outbox entry: the trainer's sweeper enqueues it once the queue is reachable again.
    log.warn({ err: (error as Error).message }, "enqueue failed; run left PENDING for the outbox sweeper");
  }
  return status(ctx, run.id);
}

const notFound = (runId: string) => new TRPCError({ code: "NOT_FOUND", message: `no training run ${runId}` });

export async function cancelRun(ctx: RunControlContext, actorId: string, runId: string) {
  const conflict = (status: string) =>
    new TRPCError({
      code: "CONFLICT",
      message: `run ${runId} is ${status}: only a pending, queued or running run can be cancelled`,
    });
  const before = await ctx.prisma.trainingRun.findUnique({ where: { id: runId }, select: { status: true } });
  if (!before) throw notFound(runId);
  if (isTerminalStatus(before.status)) throw conflict(before.status);
  const after = await requestRunCancel(ctx.prisma, runId, actorId);
  // It may have finished between the two reads.
  if (after !== "CANCELLED" && after !== "RUNNING") throw conflict(after);
  return { id: runId, status: after };
}

/** Runs a cancelled or failed run again in its work folder: the job continues from its last checkpoint. */
export async function resumeRun(ctx: RunControlContext, actorId: string, runId: string) {
  const before = await ctx.prisma.trainingRun.findUnique({ where: { id: runId }, select: { status: true } });
  if (!before) throw notFound(runId);
  if (before.status !== "CANCELLED" && before.status !== "FAILED")
    throw new TRPCError({
      code: "CONFLICT",
      message: `run ${runId} is ${before.status}: only a cancelled or failed run can be resumed`,
    });
  try {
    await resumeSharedRun(ctx.prisma, ctx.queue(), runId, actorId);
  } catch (error) {
    throw new TRPCError({
      code: "CONFLICT",
      message: `run ${runId} could not be resumed: ${(error as Error).message}`,
      cause: error,
    });
  }
  return status(ctx, runId);
}
