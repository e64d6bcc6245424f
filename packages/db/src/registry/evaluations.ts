// Automatic evaluation jobs: the ModelEvaluation row is written first (PENDING, the outbox entry), then its job.
import { addEvaluationJob, type EvaluationQueue } from "@rlhf/shared/queue";
import type { ModelEvaluation, PrismaClient } from "../index";

/**
 * The reward model that judges a policy against its parent: the one its PPO run optimised, else the newest
 * reward model trained on the same snapshot, else a reward model aliased `champion`, else the newest one.
 * Returns null for a version that is not a policy (SFT counts: it is compared with its base) or when none exists.
 */
export async function chooseJudge(prisma: PrismaClient, versionId: string): Promise<string | null> {
  const version = await prisma.modelVersion.findUniqueOrThrow({
    where: { id: versionId },
    include: { model: true, run: true },
  });
  if (version.model.kind === "BASE" || version.model.kind === "REWARD" || !version.parentVersionId)
    return null;
  if (version.run?.rewardModelVersionId) return version.run.rewardModelVersionId;
  const reward = { model: { kind: "REWARD" as const } };
  const sameSnapshot = version.snapshotId
    ? await prisma.modelVersion.findFirst({
        where: { ...reward, snapshotId: version.snapshotId },
        orderBy: { createdAt: "desc" },
      })
    : null;
  if (sameSnapshot) return sameSnapshot.id;
  const champion = await prisma.modelAlias.findFirst({
    where: { name: "champion", model: { kind: "REWARD" } },
    orderBy: { updatedAt: "desc" },
  });
  if (champion) return champion.versionId;
  const newest = await prisma.modelVersion.findFirst({ where: reward, orderBy: { createdAt: "desc" } });
  return newest?.id ?? null;
}

/**
 * Writes a PENDING evaluation of the version and enqueues it. `judgeVersionId` picks the reward model that judges
 * a policy; omitted, chooseJudge decides. A failed enqueue leaves the row PENDING for sweepPendingEvaluations.
 */
export async function enqueueEvaluation(
  prisma: PrismaClient,
  queue: EvaluationQueue,
  versionId: string,
  judgeVersionId?: string | null,
): Promise<ModelEvaluation> {
  const judge = judgeVersionId === undefined ? await chooseJudge(prisma, versionId) : judgeVersionId;
  const evaluation = await prisma.modelEvaluation.create({ data: { versionId, judgeVersionId: judge } });
  try {
    await addEvaluationJob(queue, { evaluationId: evaluation.id });
  } catch {
    // The sweep publishes it later; the run that asked for it is not failed for a queue hiccup.
  }
  return evaluation;
}

/** Re-enqueues evaluations left PENDING for longer than olderThanMs (their enqueue failed or the queue lost them). */
export async function sweepPendingEvaluations(
  prisma: PrismaClient,
  queue: EvaluationQueue,
  olderThanMs: number,
): Promise<number> {
  const pending = await prisma.modelEvaluation.findMany({
    where: { status: "PENDING", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true },
    take: 100,
  });
  let published = 0;
  for (const { id } of pending)
    if (!(await queue.getJob(id))) {
      await addEvaluationJob(queue, { evaluationId: id });
      published++;
    }
  return published;
}
