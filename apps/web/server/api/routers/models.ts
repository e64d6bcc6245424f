import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { moveAlias, versionLineage } from "@rlhf/db/registry";
import { modelKindSchema, modelNameSchema } from "@rlhf/shared";
import { importHuggingFaceFolder } from "../../registry/importModel";
import { compareVersions, getModel, listModels } from "../../registry/queries";
import { createTRPCRouter, protectedProcedure, roleProcedure } from "../trpc";

const adminProcedure = roleProcedure("ADMIN");
/** Weights leave the platform only for the people who curate it. */
const downloadProcedure = roleProcedure("ADMIN", "REVIEWER");

const id = z.string().min(1).max(64);
const versionInput = z.strictObject({ versionId: id });

/** The registry's "field: message" errors are the caller's mistakes: answered as such, not as a 500. */
async function asBadRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const message = (error as Error).message;
    if (/^(versionId|alias|modelName): /.test(message)) {
      const code = message.includes(": no model version") ? "NOT_FOUND" : "BAD_REQUEST";
      throw new TRPCError({ code, message, cause: error });
    }
    throw error;
  }
}

export const modelsRouter = createTRPCRouter({
  list: protectedProcedure
    .input(
      z
        .strictObject({
          kind: modelKindSchema.optional(),
          search: z.string().trim().max(80).optional(),
          alias: z.string().trim().max(40).optional(),
        })
        .prefault({}),
    )
    .query(({ ctx, input }) => listModels(ctx.prisma, input)),

  get: protectedProcedure
    .input(z.strictObject({ id }))
    .query(({ ctx, input }) => getModel(ctx.prisma, input.id)),

  /** snapshot -> run -> this version -> what was built on it (child versions, runs starting from it). */
  lineage: protectedProcedure
    .input(versionInput)
    .query(({ ctx, input }) => asBadRequest(() => versionLineage(ctx.prisma, input.versionId))),

  compare: protectedProcedure
    .input(z.strictObject({ a: id, b: id }))
    .query(({ ctx, input }) => compareVersions(ctx.prisma, input.a, input.b)),

  /** Points an alias (champion, candidate, ...) at a version; every move is audited. */
  moveAlias: adminProcedure
    .input(versionInput.extend({ alias: z.string().trim().min(1).max(40) }))
    .mutation(({ ctx, input }) =>
      asBadRequest(() =>
        moveAlias(ctx.prisma, { versionId: input.versionId, alias: input.alias, actorId: ctx.user.id }),
      ),
    ),

  updateCard: adminProcedure
    .input(versionInput.extend({ card: z.string().max(100_000) }))
    .mutation(async ({ ctx, input }) => {
      const updated = await ctx.prisma.modelVersion.updateMany({
        where: { id: input.versionId },
        data: { card: input.card },
      });
      if (updated.count === 0)
        throw new TRPCError({ code: "NOT_FOUND", message: `versionId: no model version ${input.versionId}` });
      await ctx.prisma.auditLog.create({
        data: { actorId: ctx.user.id, action: "model.card.edit", target: `version:${input.versionId}` },
      });
      return { versionId: input.versionId };
    }),

  /** Registers a folder saved by Hugging Face transformers (path on the server) as a base model. */
  importHuggingFace: adminProcedure
    .input(z.strictObject({ path: z.string().trim().min(1).max(4096), name: modelNameSchema }))
    .mutation(({ ctx, input }) => importHuggingFaceFolder(ctx, ctx.user, input)),

  /** Where a version's files are, for the download route (which streams them as a .tar.gz). */
  archive: downloadProcedure.input(versionInput).query(async ({ ctx, input }) => {
    const version = await ctx.prisma.modelVersion.findUnique({
      where: { id: input.versionId },
      select: { artifactDir: true, version: true, model: { select: { name: true } } },
    });
    if (!version)
      throw new TRPCError({ code: "NOT_FOUND", message: `versionId: no model version ${input.versionId}` });
    return { dir: version.artifactDir, name: `${version.model.name}-v${version.version}` };
  }),
});
