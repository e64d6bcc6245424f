// The transactional outbox for training runs: the TrainingRun row (status PENDING) is the outbox entry, written
// before any job exists. Publishing adds the BullMQ job (jobId = run id, so it is idempotent) and then flips
// the row to QUEUED. A run whose publish failed stays PENDING until sweepPendingRuns publishes it; a QUEUED run
// whose job vanished (a queue that lost its data in a restart) is re-published by the same sweep.
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

const SWEEP_BATCH = 100;

/**
 * Publishes runs left PENDING for longer than olderThanMs, and QUEUED runs (enqueued that long ago) whose job
 * the queue no longer has; returns how many were published. A run no trainer can execute (an unknown kind)
 * fails on its own instead of stopping the sweep for every run behind it.
 */
export async function sweepPendingRuns(
  prisma: PrismaClient,
  queue: TrainingQueue,
  olderThanMs: number,
): Promise<number> {
  const before = new Date(Date.now() - olderThanMs);
  const pending = await prisma.trainingRun.findMany({
    where: { status: "PENDING", createdAt: { lt: before } },
    select: { id: true, kind: true },
    orderBy: { createdAt: "asc" },
    take: SWEEP_BATCH,
  });
  const queued = await prisma.trainingRun.findMany({
    where: { status: "QUEUED", enqueuedAt: { lt: before } },
    select: { id: true, kind: true },
    orderBy: { enqueuedAt: "asc" },
    take: SWEEP_BATCH,
  });
  const lost = [];
  for (const run of queued) if (!(await queue.getJob(run.id))) lost.push(run);

  let published = 0;
  for (const run of [...pending, ...lost]) {
    const kind = runKindSchema.safeParse(run.kind);
    if (!kind.success) {
      await failUnpublishable(
        prisma,
        run.id,
        `kind "${run.kind}": ${kind.error.issues.map((issue) => issue.message).join("; ")}`,
      );
      continue;
    }
    await publishRun(prisma, queue, { id: run.id, kind: kind.data });
    published++;
  }
  return published;
}

async function failUnpublishable(prisma: PrismaClient, runId: string, error: string): Promise<void> {
  await prisma.trainingRun.updateMany({
    where: { id: runId, status: { in: ["PENDING", "QUEUED"] } },
    data: { status: "FAILED", error: `cannot be queued: ${error}`, finishedAt: new Date() },
  });
}
