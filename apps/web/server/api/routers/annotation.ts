import {
  createPromptInput,
  editPromptInput,
  editRankingInput,
  editResponseInput,
  skipTaskInput,
  submitAnswerInput,
  submitLabelsInput,
  submitRankingInput,
  taskKindInput,
} from "../../annotation/inputs";
import { annotationContext, annotatorProcedure, rateLimited } from "../../annotation/procedures";
import {
  createPrompt,
  editPrompt,
  editRanking,
  editResponse,
  mySubmissions,
  progress,
  skipTask,
  submitAnswer,
  submitLabels,
  submitRanking,
} from "../../annotation/submissions";
import { nextTask } from "../../annotation/tasks";
import { annotationPolicy } from "../../annotation/policy";
import { guidelines } from "../../annotation/settings";
import { createTRPCRouter } from "../trpc";

const write = rateLimited(annotatorProcedure);

export const annotationRouter = createTRPCRouter({
  /** Rules the pages show (edit window, Likert range are constants in the client). */
  policy: annotatorProcedure.query(() => annotationPolicy()),
  /** What admins wrote for each task kind, and what each Likert value means. */
  guidelines: annotatorProcedure.query(({ ctx }) => guidelines(ctx.prisma)),

  /** The caller's open task of this kind, or a new one; a mutation because it may assign. */
  nextTask: annotatorProcedure
    .input(taskKindInput)
    .mutation(({ ctx, input }) => nextTask(ctx.prisma, ctx.user.id, input.kind, annotationPolicy())),

  createPrompt: write
    .input(createPromptInput)
    .mutation(({ ctx, input }) => createPrompt(annotationContext(ctx), ctx.user, input)),
  submitAnswer: write
    .input(submitAnswerInput)
    .mutation(({ ctx, input }) => submitAnswer(annotationContext(ctx), ctx.user, input)),
  submitRanking: write
    .input(submitRankingInput)
    .mutation(({ ctx, input }) => submitRanking(annotationContext(ctx), ctx.user, input)),
  submitLabels: write
    .input(submitLabelsInput)
    .mutation(({ ctx, input }) => submitLabels(annotationContext(ctx), ctx.user, input)),
  skipTask: write
    .input(skipTaskInput)
    .mutation(({ ctx, input }) => skipTask(annotationContext(ctx), ctx.user, input)),

  editPrompt: write
    .input(editPromptInput)
    .mutation(({ ctx, input }) => editPrompt(annotationContext(ctx), ctx.user, input)),
  editResponse: write
    .input(editResponseInput)
    .mutation(({ ctx, input }) => editResponse(annotationContext(ctx), ctx.user, input)),
  editRanking: write
    .input(editRankingInput)
    .mutation(({ ctx, input }) => editRanking(annotationContext(ctx), ctx.user, input)),

  mySubmissions: annotatorProcedure.query(({ ctx }) => mySubmissions(annotationContext(ctx), ctx.user)),
  progress: annotatorProcedure.query(({ ctx }) => progress(annotationContext(ctx), ctx.user)),
});
