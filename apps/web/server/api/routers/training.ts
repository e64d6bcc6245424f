import { tracked, TRPCError } from "@trpc/server";
import { z } from "zod";
import { runKindSchema, runSpecSchema, runStatusSchema } from "@rlhf/shared";
import { runInputOptions } from "../../runs/inputOptions";
import { runEvents } from "../../runs/live";
import { quickStart } from "../../runs/quickStart";
import { cancelRun, resumeRun, startRun } from "../../runs/control";
import { createTRPCRouter, protectedProcedure, roleProcedure } from "../trpc";

const adminProcedure = roleProcedure("ADMIN");
const runId = z.strictObject({ id: z.string().min(1).max(64) });

const versionRef = {
  select: { id: true, version: true, model: { select: { id: true, name: true, kind: true } } },
} as const;

const runSummary = {
  id: true,
  kind: true,
  status: true,
  progress: true,
  step: true,
  totalSteps: true,
  attempts: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  createdBy: { select: { name: true } },
  snapshot: { select: { id: true, name: true } },
  outputVersion: versionRef,
} as const;

export const trainingRouter = createTRPCRouter({
  list: protectedProcedure
    .input(
      z.strictObject({ kind: runKindSchema.optional(), status: runStatusSchema.optional() }).prefault({}),
    )
    .query(({ ctx, input }) =>
      ctx.prisma.trainingRun.findMany({
        where: { kind: input.kind, status: input.status },
        select: runSummary,
        orderBy: { createdAt: "desc" },
        take: 100,
      }),
    ),

  /** The run with its config, inputs and outputs; metrics and logs come from `live`. */
  get: protectedProcedure.input(runId).query(async ({ ctx, input }) => {
    const run = await ctx.prisma.trainingRun.findUnique({
      where: { id: input.id },
      select: {
        ...runSummary,
        config: true,
        backend: true,
        outputModelName: true,
        workDir: true,
        resumedFromStep: true,
        cancelRequestedAt: true,
        baseModelVersion: versionRef,
        rewardModelVersion: versionRef,
      },
    });
    if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `no training run ${input.id}` });
    return run;
  }),

  /**
   * Pushes the run's state, new metric points and new log lines (SSE). Each event is `tracked` with a cursor, so
   * a reconnecting client resumes after the last event it saw instead of receiving everything again.
   */
  live: protectedProcedure
    .input(runId.extend({ lastEventId: z.string().max(64).nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const [id, event] of runEvents(ctx.prisma, input.id, input.lastEventId, signal))
        yield tracked(id, event);
    }),

  /** Snapshots and model versions the new-run form offers. */
  inputOptions: adminProcedure.query(({ ctx }) => runInputOptions(ctx.prisma)),

  /** Starts a run of any kind. The spec's zod schema and the inputs' checks both run before anything is written. */
  start: adminProcedure.input(runSpecSchema).mutation(({ ctx, input }) => startRun(ctx, ctx.user.id, input)),

  /** Not started: CANCELLED at once. Running: stopped by its trainer at the next step, checkpoint kept. */
  cancel: adminProcedure.input(runId).mutation(({ ctx, input }) => cancelRun(ctx, ctx.user.id, input.id)),

  resume: adminProcedure.input(runId).mutation(({ ctx, input }) => resumeRun(ctx, ctx.user.id, input.id)),

  /**
   * The whole chain on the bundled example data in one click: a snapshot, then pretrain, SFT, reward model and
   * DPO, each a run of its own (later stages start when the one they build on succeeds).
   */
  quickStart: adminProcedure.mutation(({ ctx }) => quickStart(ctx, ctx.user)),
});
