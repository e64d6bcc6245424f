// The playground: chat with any registered model version (its chat template is applied by the trainer's
// generate worker), stream and stop answers, save a conversation as a prompt for annotation.
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { generationParamsSchema } from "@rlhf/shared/generate";
import { chatMessageSchema, languageSchema, MAX_TURNS, promptMessagesSchema } from "../../annotation/content";
import { versionName } from "../../arena/battles";
import { compareVersions } from "../../arena/compare";
import { requestGeneration } from "../../arena/generations";
import { streamProcedure, stopProcedure } from "../../arena/procedures";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const playgroundRouter = createTRPCRouter({
  /** Every registered version, newest first, named "<model> v<version>". */
  models: protectedProcedure.query(async ({ ctx }) => {
    const versions = await ctx.prisma.modelVersion.findMany({
      select: { id: true, version: true, model: { select: { name: true, kind: true } } },
      orderBy: { createdAt: "desc" },
    });
    return versions.map((v) => ({
      id: v.id,
      name: versionName(v.model.name, v.version),
      kind: v.model.kind,
    }));
  }),

  /** Asks a model for the next assistant turn of `messages`; returns the generation to stream. */
  send: protectedProcedure
    .input(
      z.strictObject({
        versionId: z.string().min(1).max(64),
        messages: promptMessagesSchema,
        params: generationParamsSchema.prefault({}),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const version = await ctx.prisma.modelVersion.findUnique({ where: { id: input.versionId } });
      if (!version)
        throw new TRPCError({ code: "NOT_FOUND", message: `versionId: no model version ${input.versionId}` });
      const generationId = await requestGeneration(ctx.prisma, { ...input, userId: ctx.user.id });
      return { generationId };
    }),

  /** Streams any of the caller's generations, playground and arena alike. */
  stream: streamProcedure,
  stop: stopProcedure,

  /** Two or more versions side by side: latest evaluation metrics and answers to the fixed evaluation prompts. */
  compare: protectedProcedure
    .input(z.strictObject({ versionIds: z.array(z.string().min(1).max(64)).min(2).max(6) }))
    .query(({ ctx, input }) => compareVersions(ctx.prisma, input.versionIds)),

  /**
   * Saves the conversation up to its last user turn as a prompt for annotation (source PLAYGROUND, reviewed like
   * any human submission); the model's answers are not kept, annotators write or rank their own.
   */
  save: protectedProcedure
    .input(
      z.strictObject({
        messages: z.array(chatMessageSchema).min(1).max(MAX_TURNS),
        language: languageSchema.default("en"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const lastUser = input.messages.findLastIndex((m) => m.role === "user");
      const messages = promptMessagesSchema.safeParse(input.messages.slice(0, lastUser + 1));
      if (lastUser < 0 || !messages.success)
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "messages: the conversation has no user turn to save",
        });
      const prompt = await ctx.prisma.prompt.create({
        data: {
          messages: messages.data,
          language: input.language,
          source: "PLAYGROUND",
          authorId: ctx.user.id,
        },
      });
      return { promptId: prompt.id };
    }),
});
