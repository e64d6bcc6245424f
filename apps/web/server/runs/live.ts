// The live stream of a run page: its state, new metric points and new log lines. The trainer writes rows; this
// reads what is new since a cursor and pushes it over SSE. The cursor is the event's `tracked` id, so a browser
// that reconnects (EventSource sends Last-Event-ID) resumes exactly after the last event it received.
import { TRPCError } from "@trpc/server";
import { setTimeout as sleep } from "node:timers/promises";
import type { PrismaClient } from "@rlhf/db";
import { isTerminalStatus } from "@rlhf/shared";

/** Log lines sent on first connect: the tail; older ones stay in the database. */
export const LOG_TAIL = 200;
const ACTIVE_POLL_MS = 400;
/** A finished run can still be resumed, so its page keeps listening, only more slowly. */
const IDLE_POLL_MS = 2000;

export const runStateSelect = {
  id: true,
  status: true,
  progress: true,
  step: true,
  totalSteps: true,
  resumedFromStep: true,
  attempts: true,
  error: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
  outputVersion: { select: { id: true, version: true, model: { select: { id: true, name: true } } } },
} as const;

export interface Cursor {
  metricId: bigint;
  logId: bigint;
}

export const formatCursor = (cursor: Cursor) => `${cursor.metricId}:${cursor.logId}`;

/** The cursor an event id names; null (start over) for anything else, e.g. an id from an older format. */
export function parseCursor(id: string | null | undefined): Cursor | null {
  const match = /^(\d{1,19}):(\d{1,19})$/.exec(id ?? "");
  return match ? { metricId: BigInt(match[1]), logId: BigInt(match[2]) } : null;
}

async function readRun(prisma: PrismaClient, runId: string) {
  const run = await prisma.trainingRun.findUnique({ where: { id: runId }, select: runStateSelect });
  if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `no training run ${runId}` });
  return run;
}

/** Everything new after `cursor` (the whole history of metrics and the log tail when there is none). */
export async function readRunDelta(prisma: PrismaClient, runId: string, cursor: Cursor | null) {
  const run = await readRun(prisma, runId);
  const metrics = await prisma.runMetric.findMany({
    where: { runId, ...(cursor && { id: { gt: cursor.metricId } }) },
    select: { id: true, name: true, step: true, value: true },
    orderBy: { id: "asc" },
  });
  const logs = cursor
    ? await prisma.runLog.findMany({
        where: { runId, id: { gt: cursor.logId } },
        orderBy: { id: "asc" },
        take: LOG_TAIL,
      })
    : (await prisma.runLog.findMany({ where: { runId }, orderBy: { id: "desc" }, take: LOG_TAIL })).reverse();
  const next: Cursor = {
    metricId: metrics.at(-1)?.id ?? cursor?.metricId ?? 0n,
    logId: logs.at(-1)?.id ?? cursor?.logId ?? 0n,
  };
  return {
    cursor: next,
    event: {
      run,
      metrics: metrics.map(({ name, step, value }) => ({ name, step, value })),
      logs: logs.map(({ id, attempt, level, message, createdAt }) => ({
        id: String(id),
        attempt,
        level,
        message,
        createdAt,
      })),
    },
  };
}

export type RunEvent = Awaited<ReturnType<typeof readRunDelta>>["event"];

/**
 * Yields [cursor id, event] whenever the run changed: its state, or new metric points or log lines. The first
 * event is sent at once, so a page has the run's state however long nothing happens.
 */
export async function* runEvents(
  prisma: PrismaClient,
  runId: string,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<[string, RunEvent]> {
  let cursor = parseCursor(lastEventId);
  let lastState = "";
  while (!signal?.aborted) {
    const delta = await readRunDelta(prisma, runId, cursor);
    const state = JSON.stringify(delta.event.run);
    if (state !== lastState || delta.event.metrics.length > 0 || delta.event.logs.length > 0) {
      lastState = state;
      cursor = delta.cursor;
      yield [formatCursor(cursor), delta.event];
    }
    const idle = isTerminalStatus(delta.event.run.status);
    await sleep(idle ? IDLE_POLL_MS : ACTIVE_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}
