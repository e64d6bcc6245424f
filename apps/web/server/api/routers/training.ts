import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { publishRun } from "@rlhf/db/outbox";
import { demoRunConfigSchema, METRICS } from "@rlhf/shared";
import { createTRPCRouter, protectedProcedure, roleProcedure } from "../trpc";

const runSummary = {
  id: true,
  kind: true,
  status: true,
  progress: true,
  attempts: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  createdBy: { select: { name: true } },
} as const;

export const trainingRouter = createTRPCRouter({
  list: protectedProcedure.query(({ ctx }) =>
    ctx.prisma.trainingRun.findMany({ select: runSummary, orderBy: { createdAt: "desc" }, take: 50 }),
  ),

  get: protectedProcedure
    .input(z.strictObject({ id: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const run = await ctx.prisma.trainingRun.findUnique({
        where: { id: input.id },
        select: { ...runSummary, config: true },
      });
      if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `no training run ${input.id}` });
      const loss = await ctx.prisma.runMetric.findMany({
        where: { runId: run.id, name: METRICS.trainLoss },
        select: { step: true, value: true },
        orderBy: { step: "asc" },
      });
      return { ...run, loss };
    }),

  /** PLACEHOLDER run kind (see packages/shared runs.ts): proves the path from this button to a finished job. */
  startDemo: roleProcedure("ADMIN")
    .input(demoRunConfigSchema)
    .mutation(async ({ ctx, input }) => {
      const run = await ctx.prisma.$transaction(async (tx) => {
        const created = await tx.trainingRun.create({
          data: { kind: "demo", config: input, createdById: ctx.user.id },
        });
        await tx.auditLog.create({
          data: {
            actorId: ctx.user.id,
            action: "training.start",
            target: created.id,
            details: { kind: "demo" },
          },
        });
        return created;
      });
      const log = ctx.log.child({ runId: run.id });
      try {
        await publishRun(ctx.prisma, ctx.queue(), run);
        log.info("run enqueued");
      } catch (error) {
        // The row is the outbox entry: the trainer's sweeper enqueues it once the queue is reachable again.
        log.warn(
          { err: (error as Error).message },
          "enqueue failed; run left PENDING for the outbox sweeper",
        );
      }
      const { status } = await ctx.prisma.trainingRun.findUniqueOrThrow({
        where: { id: run.id },
        select: { status: true },
      });
      return { id: run.id, status };
    }),
});
