/**
 * Reviews of human submissions, the acceptance they lead to, and the quality figures reviewers and admins read:
 * agreement (Krippendorff's alpha on labels, Kendall's tau on rankings) and the contribution leaderboard.
 */
import type { z } from "zod";
import { krippendorffAlpha, krippendorffAlphaByCoder, rankingAgreement, type Rating } from "./agreement";
import { idempotentWrite } from "./idempotency";
import type { submitReviewInput } from "./inputs";
import { type Contribution, FLAGS, LIKERT_SCALES, leaderboard, reviewState } from "./quality";
import type { Actor, AnnotationContext } from "./submissions";
import { claimTaskForSubmission, finishTask, lockItem } from "./tasks";

export async function submitReview(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof submitReviewInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "submitReview" },
    async (tx) => {
      const now = new Date();
      const task = await claimTaskForSubmission(tx, input.taskId, actor.id, "REVIEW", now);
      const item = task.responseId ? { responseId: task.responseId } : { promptId: task.promptId };
      await tx.review.create({
        data: {
          target: task.target,
          ...item,
          reviewerId: actor.id,
          verdict: input.verdict,
          reason: input.reason,
        },
      });
      await finishTask(tx, task.id, now);
      // Without the lock two last reviews committing together each see only their own and nobody decides.
      await lockItem(tx, task.target);
      const reviews = await tx.review.findMany({ where: { target: task.target } });
      const state = reviewState(reviews, ctx.policy);
      if (state !== "PENDING") {
        if (task.responseId)
          await tx.response.update({ where: { id: task.responseId }, data: { reviewState: state } });
        else await tx.prompt.update({ where: { id: task.promptId }, data: { reviewState: state } });
        await tx.auditLog.create({
          data: {
            actorId: actor.id,
            action: `review.${state.toLowerCase()}`,
            target: task.target,
            details: { reviews: reviews.length },
          },
        });
      }
      return { target: task.target, reviewState: state };
    },
  );
}

/** Krippendorff's alpha per label question (each flag nominal, each Likert scale ordinal), overall and per person. */
function labelAgreement(
  labels: {
    target: string;
    userId: string;
    flags: string[];
    quality: number | null;
    helpfulness: number | null;
    harmlessness: number | null;
  }[],
) {
  const questions: { question: string; level: "nominal" | "ordinal"; ratings: Rating[] }[] = [
    ...FLAGS.map((flag) => ({
      question: `flag/${flag}`,
      level: "nominal" as const,
      ratings: labels.map((l) => ({
        unit: l.target,
        coder: l.userId,
        value: l.flags.includes(flag) ? 1 : 0,
      })),
    })),
    ...LIKERT_SCALES.map((scale) => ({
      question: `likert/${scale}`,
      level: "ordinal" as const,
      ratings: labels.flatMap((l) =>
        l[scale] === null ? [] : [{ unit: l.target, coder: l.userId, value: l[scale]! }],
      ),
    })),
  ];
  return questions.map(({ question, level, ratings }) => ({
    question,
    level,
    alpha: krippendorffAlpha(ratings, level),
    byAnnotator: Object.fromEntries(krippendorffAlphaByCoder(ratings, level)),
  }));
}

export async function qualityStats(ctx: AnnotationContext) {
  const { prisma } = ctx;
  const [labels, rankings, users, prompts, responses, reviews] = await Promise.all([
    prisma.label.findMany({
      select: {
        target: true,
        userId: true,
        flags: true,
        quality: true,
        helpfulness: true,
        harmlessness: true,
      },
    }),
    prisma.ranking.findMany({ select: { promptId: true, userId: true, order: true } }),
    prisma.user.findMany({ select: { id: true, name: true } }),
    prisma.prompt.findMany({
      where: { authorId: { not: null } },
      select: { authorId: true, reviewState: true, hiddenAt: true },
    }),
    prisma.response.findMany({
      where: { authorId: { not: null } },
      select: { authorId: true, reviewState: true, hiddenAt: true },
    }),
    prisma.review.findMany({ select: { reviewerId: true } }),
  ]);
  const outcome = (row: { reviewState: "PENDING" | "ACCEPTED" | "REJECTED"; hiddenAt: Date | null }) =>
    row.hiddenAt ? ("HIDDEN" as const) : row.reviewState;
  const contributions: Contribution[] = [
    ...prompts.map((p) => ({ userId: p.authorId!, kind: "prompt" as const, outcome: outcome(p) })),
    ...responses.map((r) => ({ userId: r.authorId!, kind: "answer" as const, outcome: outcome(r) })),
    ...rankings.map((r) => ({ userId: r.userId, kind: "ranking" as const, outcome: "PENDING" as const })),
    ...labels.map((l) => ({ userId: l.userId, kind: "label" as const, outcome: "PENDING" as const })),
    ...reviews.map((r) => ({ userId: r.reviewerId, kind: "review" as const, outcome: "PENDING" as const })),
  ];
  const names = Object.fromEntries(users.map((u) => [u.id, u.name]));
  const ranks = rankingAgreement(
    rankings.map((r) => ({ item: r.promptId, annotator: r.userId, ranking: r.order as string[][] })),
  );
  return {
    names,
    labels: labelAgreement(labels),
    rankings: {
      meanTau: ranks.meanTau,
      comparisons: ranks.comparisons,
      byAnnotator: Object.fromEntries(ranks.byAnnotator),
    },
    leaderboard: leaderboard(contributions).map((row) => ({ ...row, name: names[row.userId] ?? row.userId })),
  };
}
