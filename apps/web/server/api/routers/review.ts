import { submitReviewInput } from "../../annotation/inputs";
import { annotationPolicy } from "../../annotation/policy";
import {
  annotationContext,
  annotatorProcedure,
  rateLimited,
  reviewerProcedure,
} from "../../annotation/procedures";
import { qualityStats, submitReview } from "../../annotation/reviews";
import { nextTask } from "../../annotation/tasks";
import { createTRPCRouter } from "../trpc";

export const reviewRouter = createTRPCRouter({
  nextTask: reviewerProcedure.mutation(({ ctx }) =>
    nextTask(ctx.prisma, ctx.user.id, "REVIEW", annotationPolicy()),
  ),
  submitReview: rateLimited(reviewerProcedure)
    .input(submitReviewInput)
    .mutation(({ ctx, input }) => submitReview(annotationContext(ctx), ctx.user, input)),
  /** Agreement and per-annotator figures: for reviewers and admins. */
  stats: reviewerProcedure.query(({ ctx }) => qualityStats(annotationContext(ctx))),
  /** The contribution leaderboard, open to every signed-in annotator. */
  leaderboard: annotatorProcedure.query(
    async ({ ctx }) => (await qualityStats(annotationContext(ctx))).leaderboard,
  ),
});
