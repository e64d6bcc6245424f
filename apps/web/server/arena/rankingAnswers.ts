// An admin's request for model answers in ranking tasks: the chosen versions, and the prompts either named or
// "accepted prompts with fewer than K visible answers" (oldest first). The trainer's generate worker writes the
// answers (apps/trainer/src/generate/ranking-answers.ts).
import { TRPCError } from "@trpc/server";
import type { PrismaClient } from "@rlhf/db";
import { addRankingAnswersJob } from "@rlhf/shared/generate";
import { generateServices } from "./services";

export interface RankingAnswersRequest {
  versionIds: string[];
  promptIds?: string[];
  fewerThan: number;
  limit: number;
}

export async function requestRankingAnswers(
  prisma: PrismaClient,
  userId: string,
  request: RankingAnswersRequest,
) {
  const versions = await prisma.modelVersion.count({ where: { id: { in: request.versionIds } } });
  if (versions !== new Set(request.versionIds).size)
    throw new TRPCError({
      code: "NOT_FOUND",
      message: "versionIds: one of the chosen model versions does not exist",
    });
  const prompts = request.promptIds
    ? await prisma.prompt.findMany({
        where: { id: { in: request.promptIds }, hiddenAt: null },
        select: { id: true },
        take: request.limit,
      })
    : (
        await prisma.prompt.findMany({
          where: { hiddenAt: null, reviewState: "ACCEPTED" },
          select: { id: true, _count: { select: { responses: { where: { hiddenAt: null } } } } },
          orderBy: { createdAt: "asc" },
        })
      )
        .filter((p) => p._count.responses < request.fewerThan)
        .slice(0, request.limit);
  if (prompts.length === 0)
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: request.promptIds
        ? "promptIds: none of the chosen prompts exists (or all are hidden)"
        : `no accepted prompt has fewer than ${request.fewerThan} answers`,
    });
  const jobId = await addRankingAnswersJob(generateServices().queue, {
    versionIds: [...new Set(request.versionIds)],
    promptIds: prompts.map((p) => p.id),
    requestedById: userId,
  });
  return { jobId, prompts: prompts.length, answers: prompts.length * versions };
}

/** Where a request stands: waiting, active (with its percentage), completed (with its counts) or failed. */
export async function rankingAnswersStatus(jobId: string) {
  const job = await generateServices().queue.getJob(jobId);
  if (!job || !("promptIds" in job.data))
    throw new TRPCError({ code: "NOT_FOUND", message: `no answer request ${jobId}` });
  return {
    state: await job.getState(),
    progress: typeof job.progress === "number" ? job.progress : 0,
    result: (job.returnvalue ?? null) as { created: number; empty: number } | null,
    error: job.failedReason ?? null,
  };
}
