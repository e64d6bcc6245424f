/**
 * The procedures annotation routers build on: the foundation's role checks, plus a per-person write rate limit,
 * and the service context (database + policy) every annotation service takes.
 */
import { TRPCError } from "@trpc/server";
import { roleProcedure } from "../api/trpc";
import { annotationPolicy } from "./policy";
import { SlidingWindowLimiter } from "./rateLimit";
import { refreshSavedPolicy } from "./settings";
import type { AnnotationContext } from "./submissions";

// Every annotation call sees the policy admins saved (read again at most every few seconds).
const withPolicy = <T extends ReturnType<typeof roleProcedure>>(procedure: T): T =>
  procedure.use(async ({ ctx, next }) => {
    await refreshSavedPolicy(ctx.prisma);
    return next();
  }) as T;

export const annotatorProcedure = withPolicy(roleProcedure("ANNOTATOR", "REVIEWER", "ADMIN"));
export const reviewerProcedure = withPolicy(roleProcedure("REVIEWER", "ADMIN"));
export const adminProcedure = withPolicy(roleProcedure("ADMIN"));

let limiter: { perMinute: number; limiter: SlidingWindowLimiter } | undefined;

function writeLimiter(perMinute: number): SlidingWindowLimiter {
  if (limiter?.perMinute !== perMinute)
    limiter = { perMinute, limiter: new SlidingWindowLimiter(perMinute, 60_000) };
  return limiter.limiter;
}

/** Refuses a person's writes beyond policy.writesPerMinute with TOO_MANY_REQUESTS. */
export function rateLimited<T extends typeof annotatorProcedure>(procedure: T): T {
  return procedure.use(({ ctx, next }) => {
    const { allowed, retryAfterMs } = writeLimiter(annotationPolicy().writesPerMinute).tryHit(
      ctx.user.id,
      Date.now(),
    );
    if (!allowed) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `too many writes; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      });
    }
    return next();
  }) as T;
}

export function annotationContext(ctx: { prisma: AnnotationContext["prisma"] }): AnnotationContext {
  return { prisma: ctx.prisma, policy: annotationPolicy() };
}
