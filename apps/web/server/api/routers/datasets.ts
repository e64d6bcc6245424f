import { z } from "zod";
import { roleSchema } from "@rlhf/shared";
import { createSnapshot, importJsonl, listSnapshots, readSnapshotFile } from "../../annotation/datasets";
import { createSnapshotInput, importJsonlInput, snapshotFileInput } from "../../annotation/inputs";
import { adminProcedure, annotationContext } from "../../annotation/procedures";
import { guidelinesSchema } from "../../annotation/guidelines";
import { policyView, saveGuidelines, savePolicy, savePolicyInput } from "../../annotation/settings";
import { setRole } from "../../annotation/users";
import { createTRPCRouter } from "../trpc";

export const datasetsRouter = createTRPCRouter({
  importJsonl: adminProcedure
    .meta({ checksTextItself: true })
    .input(importJsonlInput)
    .mutation(({ ctx, input }) => importJsonl(annotationContext(ctx), ctx.user, input)),
  createSnapshot: adminProcedure
    .input(createSnapshotInput)
    .mutation(({ ctx, input }) => createSnapshot(annotationContext(ctx), ctx.user, input)),
  snapshots: adminProcedure.query(({ ctx }) => listSnapshots(annotationContext(ctx))),
  snapshotFile: adminProcedure
    .input(snapshotFileInput)
    .query(({ ctx, input }) => readSnapshotFile(annotationContext(ctx), input)),
  setRole: adminProcedure
    .input(z.strictObject({ userId: z.string().min(1).max(64), role: roleSchema }))
    .mutation(({ ctx, input }) => setRole(annotationContext(ctx), ctx.user, input)),
  /** The policy in force and whether ANNOTATION_POLICY (which wins) is set. */
  policy: adminProcedure.query(() => policyView()),
  savePolicy: adminProcedure
    .input(savePolicyInput)
    .mutation(({ ctx, input }) => savePolicy(ctx.prisma, ctx.user, input)),
  saveGuidelines: adminProcedure
    .input(guidelinesSchema)
    .mutation(({ ctx, input }) => saveGuidelines(ctx.prisma, ctx.user, input)),
});
