// The stream and stop procedures of a generation, shared by the playground and the arena routers: both stream
// the caller's own generations only.
import { tracked } from "@trpc/server";
import { z } from "zod";
import { protectedProcedure } from "../api/trpc";
import { generationEvents, ownGeneration, stopGeneration } from "./generations";

const generationInput = z.strictObject({ generationId: z.string().min(1).max(64) });

/**
 * Server-sent events of one generation. Each event is `tracked` with its Redis stream entry id, so a browser
 * that reconnects (EventSource sends Last-Event-ID, tRPC passes it as lastEventId) continues right after it.
 */
export const streamProcedure = protectedProcedure
  .input(generationInput.extend({ lastEventId: z.string().max(64).nullish() }))
  .subscription(async function* ({ ctx, input, signal }) {
    await ownGeneration(ctx.prisma, input.generationId, ctx.user.id);
    for await (const [id, event] of generationEvents(
      ctx.prisma,
      input.generationId,
      input.lastEventId,
      signal,
    ))
      yield tracked(id, event);
  });

/** Stops one of the caller's generations; its place (waiting) or slot (running) is freed. */
export const stopProcedure = protectedProcedure.input(generationInput).mutation(async ({ ctx, input }) => {
  await ownGeneration(ctx.prisma, input.generationId, ctx.user.id);
  await stopGeneration(ctx.prisma, input.generationId);
  return { stopped: true };
});
