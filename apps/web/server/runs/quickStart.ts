// The quick-start button: the platform's pipeline (@rlhf/db/runs startQuickStart: example data, then pretrain,
// SFT, reward model and DPO, each a run of its own) with the snapshot frozen by this app's snapshot writer, so it
// is filtered, explained and kept like any snapshot an admin freezes.
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import type { PrismaClient } from "@rlhf/db";
import { RunInputError, startQuickStart } from "@rlhf/db/runs";
import type { TrainingQueue } from "@rlhf/shared/queue";
import { createSnapshot } from "../annotation/datasets";
import { snapshotFiltersSchema } from "../annotation/inputs";
import { annotationContext } from "../annotation/procedures";

export async function quickStart(
  ctx: { prisma: PrismaClient; queue: () => TrainingQueue },
  actor: { id: string },
) {
  try {
    const { pipeline, runs } = await startQuickStart(ctx.prisma, ctx.queue(), {
      actorId: actor.id,
      freezeSnapshot: async (name) => {
        const input = { submissionId: randomUUID(), name, filters: snapshotFiltersSchema.parse({}) };
        return (await createSnapshot(annotationContext(ctx), actor, input)).snapshotId;
      },
    });
    return { pipelineId: pipeline.id, runIds: runs.map((run) => run.id) };
  } catch (error) {
    if (error instanceof RunInputError)
      throw new TRPCError({ code: "BAD_REQUEST", message: `quick start: ${error.message}`, cause: error });
    throw error;
  }
}
