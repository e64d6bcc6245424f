// The transactional outbox for training runs: the TrainingRun row (status PENDING) is the outbox entry, written
// before any job exists. Publishing adds the BullMQ job (jobId = run id, so it is idempotent) and then flips
// the row to QUEUED. A run whose publish failed stays PENDING until sweepPendingRuns publishes it.
import { addTrainingJob, type TrainingQueue } from "@rlhf/shared/queue";
import { runKindSchema } from "@rlhf/shared";
import type { PrismaClient } from "./index";

export async function publishRun(
  prisma: PrismaClient,
  queue: TrainingQueue,
  run: { id: string; kind: string },
): Promise<void> {
  await addTrainingJob(queue, { runId: run.id, kind: runKindSchema.parse(run.kind) });
  // Only PENDING -> QUEUED: a fast trainer may already have marked the run RUNNING, which must not be undone.
  await prisma.trainingRun.updateMany({
    where: { id: run.id, status: "PENDING" },
    data: { status: "QUEUED", enqueuedAt: new Date() },
  });
}

/** Publishes runs left PENDING for longer than olderThanMs; returns how many were published. */
export async function sweepPendingRuns(
  prisma: PrismaClient,
  queue: TrainingQueue,
  olderThanMs: number,
): Promise<number> {
  const stale = await prisma.trainingRun.findMany({
    where: { status: "PENDING", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true, kind: true },
    orderBy: { createdAt: "asc" },
    take: 100,
  });
  for (const run of stale) await publishRun(prisma, queue, run);
  return stale.length;
}
