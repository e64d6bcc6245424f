"use client";

import { useEffect, useReducer } from "react";
import type { inferRouterOutputs } from "@trpc/server";
import { trpc } from "@/lib/trpc";
import type { AppRouter } from "@/server/api/root";
import type { RunEvent } from "@/server/runs/live";
import type { Point } from "../charts/chartData";

type RunState = RunEvent["run"];
type LogLine = RunEvent["logs"][number];

interface LiveState {
  run: RunState | null;
  /** Per metric name, value by step: a step reported again by a retried attempt replaces, never duplicates. */
  metrics: Record<string, Record<number, number>>;
  logs: LogLine[];
  connected: boolean;
}

const LOG_LINES_KEPT = 500;

function reduce(state: LiveState, event: RunEvent): LiveState {
  const metrics = { ...state.metrics };
  for (const { name, step, value } of event.metrics) metrics[name] = { ...metrics[name], [step]: value };
  const seen = new Set(state.logs.map((line) => line.id));
  const logs = [...state.logs, ...event.logs.filter((line) => !seen.has(line.id))].slice(-LOG_LINES_KEPT);
  return { run: event.run, metrics, logs, connected: true };
}

export function seriesOf(values: Record<number, number>): Point[] {
  return Object.entries(values)
    .map(([step, value]) => ({ step: Number(step), value }))
    .sort((a, b) => a.step - b.step);
}

/** The run's state, metrics and log tail, kept current by the `training.live` server-sent events. */
export function useRunLive(id: string, onStatusChange: () => void) {
  const [state, dispatch] = useReducer(
    (current: LiveState, event: RunEvent | "disconnected") =>
      event === "disconnected" ? { ...current, connected: false } : reduce(current, event),
    { run: null, metrics: {}, logs: [], connected: false },
  );
  const subscription = trpc.training.live.useSubscription(
    { id, lastEventId: null },
    {
      onData: ({ data }) => dispatch(data),
      onError: () => dispatch("disconnected"),
    },
  );
  const status = state.run?.status;
  // Outputs (the registered model) and inputs shown from `training.get` change with the status only.
  useEffect(() => {
    if (status) onStatusChange();
  }, [status, onStatusChange]);
  return { ...state, error: subscription.error };
}

export type RunDetails = inferRouterOutputs<AppRouter>["training"]["get"];
