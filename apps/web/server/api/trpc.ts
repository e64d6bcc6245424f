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
import { describeBadCharacter, findBadCharacter } from "../annotation/textSafety";
import { isDatabaseUnavailable } from "../serviceErrors";

export interface Context {
  /** The signed-in user's id from the session cookie, or null. Role and existence are checked per call. */
  userId: string | null;
  prisma: PrismaClient;
  /** Lazy: procedures that never enqueue never connect to the queue. */
  queue: () => TrainingQueue;
  /** The automatic evaluations' queue (imported models are evaluated like trained ones); lazy too. */
  evaluationQueue: () => EvaluationQueue;
  log: Logger;
  /** Names the call in the log; internal errors show it instead of their text. */
  requestId: string;
}

export interface Meta {
  /** The procedure reports bad characters in its text itself (per line of an import) instead of refusing all. */
  checksTextItself?: boolean;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** Every log line of the call carries `requestId` (the caller's x-request-id when well-formed, or a new one). */
export function createContext({
  requestId,
  ...context
}: Omit<Context, "requestId"> & { requestId?: string | null }): Context {
  const id = requestId && REQUEST_ID.test(requestId) ? requestId : randomUUID();
  return { ...context, requestId: id, log: context.log.child({ requestId: id }) };
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // Dates and BigInts survive the wire with their types.
    transformer: superjson,
    // Live pages (subscriptions over server-sent events): a ping keeps an idle stream open through proxies, and
    // a browser that hears nothing for twice that long reconnects, resuming after its last tracked event.
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 30_000 } },
    errorFormatter({ shape, error, ctx }) {
      // A bug's or a dependency's text (SQL, file paths, stack) stays in the log; the caller gets the id to find it.
      if (error.code === "INTERNAL_SERVER_ERROR") {
        const { stack: _stack, ...data } = shape.data;
        return {
          ...shape,
          message: `internal error; the server log has the details under request id ${ctx?.requestId ?? "(none)"}`,
          data: { ...data, zodError: null, inputField: null },
        };
      }
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

export const publicProcedure = t.procedure.use(async ({ ctx, path, type, meta, getRawInput, next }) => {
  if (!meta?.checksTextItself) {
    const bad = findBadCharacter(await getRawInput());
    if (bad) throw new TRPCError({ code: "BAD_REQUEST", message: describeBadCharacter(bad) });
  }
  const result = await next();
  if (result.ok) return result;
  const { error } = result;
  if (error.code !== "INTERNAL_SERVER_ERROR") {
    ctx.log.warn({ path, type, code: error.code, err: error.message }, "trpc call failed");
    return result;
  }
  ctx.log.error({ path, type, err: error.cause ?? error }, "trpc call failed");
  if (isDatabaseUnavailable(error.cause)) {
    throw new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "the database does not answer; try again shortly",
    });
  }
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
