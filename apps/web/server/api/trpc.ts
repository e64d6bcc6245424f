// tRPC setup: the context, and the only places where access is decided (publicProcedure, protectedProcedure,
// roleProcedure). Routers compose these; no procedure checks a role inline.
import { initTRPC, TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { PrismaClient } from "@rlhf/db";
import type { Role } from "@rlhf/shared";
import type { Logger } from "@rlhf/shared/log";
import type { EvaluationQueue, TrainingQueue } from "@rlhf/shared/queue";

export interface Context {
  /** The signed-in user's id from the session cookie, or null. Role and existence are checked per call. */
  userId: string | null;
  prisma: PrismaClient;
  /** Lazy: procedures that never enqueue never connect to the queue. */
  queue: () => TrainingQueue;
  /** The automatic evaluations' queue (imported models are evaluated like trained ones); lazy too. */
  evaluationQueue: () => EvaluationQueue;
  log: Logger;
}

/** Every log line of the call carries `requestId` (the caller's x-request-id, or a new one). */
export function createContext({ requestId, ...context }: Context & { requestId?: string }): Context {
  return { ...context, log: context.log.child({ requestId: requestId ?? randomUUID() }) };
}

const t = initTRPC.context<Context>().create({
  // Dates and BigInts survive the wire with their types.
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // Bad input comes back with the offending fields named (e.g. fieldErrors.steps).
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    // Checks past the schema (a run's inputs) name their field too (`inputField: "snapshotId"`), so a form can
    // show the message beside it.
    const field = (error.cause as { field?: unknown } | undefined)?.field;
    return {
      ...shape,
      data: { ...shape.data, zodError, inputField: typeof field === "string" ? field : null },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(async ({ ctx, path, type, next }) => {
  const result = await next();
  if (!result.ok)
    ctx.log.warn({ path, type, code: result.error.code, err: result.error.message }, "trpc call failed");
  return result;
});

export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const user = ctx.userId
    ? await ctx.prisma.user.findUnique({
        where: { id: ctx.userId },
        select: { id: true, email: true, name: true, role: true },
      })
    : null;
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { user, log: ctx.log.child({ userId: user.id }) } });
});

export function roleProcedure(...roles: [Role, ...Role[]]) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.user.role)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `requires role ${roles.join(" or ")}; you are ${ctx.user.role}`,
      });
    }
    return next();
  });
}
