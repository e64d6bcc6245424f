// The arena (Chatbot Arena's rules, in server/arena): anonymous battles between two published models, one vote
// each, names after the vote, a leaderboard over the counted battles, FastChat export/import for admins.
import { z } from "zod";
import { MAX_TEXT_CHARS } from "../../annotation/content";
import {
  arenaLeaderboard,
  battleView,
  continueBattle,
  contenders,
  exportBattles,
  importBattles,
  regenerateBattle,
  startBattle,
  voteOnBattle,
} from "../../arena/battles";
import { toJsonl } from "../../arena/fastchat";
import { rankingAnswersStatus, requestRankingAnswers } from "../../arena/rankingAnswers";
import { TRPCError } from "@trpc/server";
import { createTRPCRouter, protectedProcedure, roleProcedure } from "../trpc";

const adminProcedure = roleProcedure("ADMIN");
const battleInput = z.strictObject({ battleId: z.string().min(1).max(64) });
const prompt = z.string().trim().min(1).max(MAX_TEXT_CHARS);
/** FastChat files of a few thousand battles. */
const MAX_IMPORT_CHARS = 20_000_000;

export const arenaRouter = createTRPCRouter({
  start: protectedProcedure
    .input(z.strictObject({ prompt }))
    .mutation(({ ctx, input }) => startBattle(ctx.prisma, ctx.user.id, input.prompt)),

  continue: protectedProcedure
    .input(battleInput.extend({ prompt }))
    .mutation(({ ctx, input }) => continueBattle(ctx.prisma, ctx.user.id, input.battleId, input.prompt)),

  regenerate: protectedProcedure
    .input(battleInput)
    .mutation(({ ctx, input }) => regenerateBattle(ctx.prisma, ctx.user.id, input.battleId)),

  vote: protectedProcedure
    .input(battleInput.extend({ vote: z.enum(["A", "B", "TIE", "BOTH_BAD"]) }))
    .mutation(({ ctx, input }) => voteOnBattle(ctx.prisma, ctx.user.id, input.battleId, input.vote)),

  get: protectedProcedure
    .input(battleInput)
    .query(({ ctx, input }) => battleView(ctx.prisma, input.battleId, ctx.user.id)),

  leaderboard: protectedProcedure.query(({ ctx }) => arenaLeaderboard(ctx.prisma)),

  /** Published versions with weights and battle counts (names are public here; battles stay anonymous). */
  entries: protectedProcedure.query(({ ctx }) => contenders(ctx.prisma)),

  publish: adminProcedure
    .input(
      z.strictObject({ versionId: z.string().min(1).max(64), weight: z.number().min(0).max(100).default(1) }),
    )
    .mutation(async ({ ctx, input }) => {
      const version = await ctx.prisma.modelVersion.findUnique({ where: { id: input.versionId } });
      if (!version)
        throw new TRPCError({ code: "NOT_FOUND", message: `versionId: no model version ${input.versionId}` });
      await ctx.prisma.arenaEntry.upsert({
        where: { versionId: input.versionId },
        create: { versionId: input.versionId, weight: input.weight, publishedById: ctx.user.id },
        update: { weight: input.weight },
      });
      await ctx.prisma.auditLog.create({
        data: {
          actorId: ctx.user.id,
          action: "arena.publish",
          target: `version:${input.versionId}`,
          details: { weight: input.weight },
        },
      });
      return { published: true };
    }),

  unpublish: adminProcedure
    .input(z.strictObject({ versionId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const { count } = await ctx.prisma.arenaEntry.deleteMany({ where: { versionId: input.versionId } });
      if (count > 0)
        await ctx.prisma.auditLog.create({
          data: { actorId: ctx.user.id, action: "arena.unpublish", target: `version:${input.versionId}` },
        });
      return { unpublished: count > 0 };
    }),

  /**
   * Model answers into ranking tasks: the chosen versions answer the named prompts, or the accepted prompts with
   * fewer than `fewerThan` answers (at most `limit` of them); the answers join the ranking queue as MODEL answers.
   */
  generateAnswers: adminProcedure
    .input(
      z.strictObject({
        versionIds: z.array(z.string().min(1).max(64)).min(1).max(8),
        promptIds: z.array(z.string().min(1).max(64)).min(1).max(500).optional(),
        fewerThan: z.number().int().min(1).max(12).default(4),
        limit: z.number().int().min(1).max(500).default(20),
      }),
    )
    .mutation(({ ctx, input }) => requestRankingAnswers(ctx.prisma, ctx.user.id, input)),

  answersStatus: adminProcedure
    .input(z.strictObject({ jobId: z.string().min(1).max(64) }))
    .query(({ input }) => rankingAnswersStatus(input.jobId)),

  /** The counted battles in FastChat's cleaned format, as JSONL. */
  export: adminProcedure.query(async ({ ctx }) => ({ jsonl: toJsonl(await exportBattles(ctx.prisma)) })),

  import: adminProcedure
    .input(z.strictObject({ fileText: z.string().min(1).max(MAX_IMPORT_CHARS) }))
    .mutation(({ ctx, input }) => importBattles(ctx.prisma, input.fileText)),
});
