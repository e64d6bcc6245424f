// Generation requests from the web: a Generation row plus its job on the generate queue, the stream of its
// events for a reader (resumable by entry id, with the place in line while it waits), and stopping it.
import { TRPCError } from "@trpc/server";
import type { PrismaClient } from "@rlhf/db";
import {
  type GenerationParams,
  GenerationStreams,
  type StopReason,
  type StreamEvent,
  addGenerateJob,
  isFinalEvent,
  queuePosition,
} from "@rlhf/shared/generate";
import type { ChatMessage } from "../annotation/content";
import { generateServices } from "./services";

/** What a reader receives: the stream's events, and its place in line while the request waits. */
export type GenerationEvent = StreamEvent | { type: "queued"; position: number };

export interface NewGeneration {
  versionId: string;
  userId: string;
  messages: ChatMessage[];
  params: GenerationParams;
  battleId?: string;
  side?: "a" | "b";
  turn?: number;
}

export async function requestGeneration(prisma: PrismaClient, request: NewGeneration): Promise<string> {
  const row = await prisma.generation.create({ data: { ...request } });
  try {
    await addGenerateJob(generateServices().queue, row.id);
  } catch (error) {
    await prisma.generation.update({
      where: { id: row.id },
      data: { status: "FAILED", error: "the generate queue is unreachable", finishedAt: new Date() },
    });
    throw new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "the generate queue is unreachable (is Redis running?); try again",
      cause: error,
    });
  }
  return row.id;
}

/** The caller's own generation; anyone else's is answered as missing (its existence is not revealed). */
export async function ownGeneration(prisma: PrismaClient, generationId: string, userId: string) {
  const row = await prisma.generation.findUnique({ where: { id: generationId } });
  if (!row || row.userId !== userId)
    throw new TRPCError({ code: "NOT_FOUND", message: `no generation ${generationId} of yours` });
  return row;
}

const READ_BLOCK_MS = 1000;

/**
 * Yields [entry id, event] from the generation's stream after `lastEventId` until its final event. While the
 * request waits in the queue its place in line is sent (with the last entry id, so a reconnect still resumes
 * right after the last real event). A stream that expired is answered from the row.
 */
export async function* generationEvents(
  prisma: PrismaClient,
  generationId: string,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<[string, GenerationEvent]> {
  const services = generateServices();
  const connection = services.readerConnection();
  const reader = new GenerationStreams(connection, services.backend);
  let cursor = lastEventId && /^\d+-\d+$/.test(lastEventId) ? lastEventId : "0";
  let shownPosition: number | null = null;
  try {
    while (!signal?.aborted) {
      const batch = await reader.read(generationId, cursor, READ_BLOCK_MS);
      for (const [entryId, event] of batch) {
        cursor = entryId;
        yield [entryId, event];
        if (isFinalEvent(event)) return;
      }
      if (batch.length > 0) continue;
      const position = await queuePosition(services.queue, generationId);
      if (position !== null && position !== shownPosition) {
        shownPosition = position;
        yield [cursor, { type: "queued", position }];
      }
      if (position === null) {
        const row = await prisma.generation.findUnique({ where: { id: generationId } });
        if (!row) return;
        const final = row.status === "DONE" || row.status === "STOPPED" || row.status === "FAILED";
        // final in the row but nothing more in the stream: the stream expired (or was never written)
        if (final && (await reader.read(generationId, cursor, 0)).length === 0) {
          yield [
            cursor,
            row.status === "FAILED"
              ? { type: "error", message: row.error ?? "generation failed" }
              : { type: "done", reason: (row.stopReason ?? "max_tokens") as StopReason, text: row.text },
          ];
          return;
        }
      }
    }
  } finally {
    connection.disconnect();
  }
}

/**
 * Stops a generation: a waiting one leaves the queue at once (its slot was never taken), a running one ends at
 * its next token (the worker listens for stop requests). Stopping a finished one does nothing.
 */
export async function stopGeneration(prisma: PrismaClient, generationId: string): Promise<void> {
  const { queue, streams } = generateServices();
  await streams.requestStop(generationId);
  const job = await queue.getJob(generationId);
  if (job && (await job.getState()) === "waiting") {
    // remove() refuses a job a worker has just taken; that worker then sees the stop request instead
    const removed = await job.remove().then(
      () => true,
      () => false,
    );
    if (removed) {
      const ended = await prisma.generation.updateMany({
        where: { id: generationId, status: "QUEUED" },
        data: { status: "STOPPED", stopReason: "stopped", finishedAt: new Date() },
      });
      if (ended.count > 0) await streams.append(generationId, { type: "done", reason: "stopped", text: "" });
    }
  }
}
