"use client";

import { skipToken } from "@tanstack/react-query";
import { useEffect, useReducer } from "react";
import { trpc } from "@/lib/trpc";
import type { GenerationEvent } from "@/server/arena/generations";

export interface GenerationState {
  status: "idle" | "queued" | "running" | "done" | "stopped" | "error";
  text: string;
  /** place in line while queued */
  position: number | null;
  error: string | null;
}

const idle: GenerationState = { status: "idle", text: "", position: null, error: null };

function reduce(state: GenerationState, event: GenerationEvent | "reset"): GenerationState {
  if (event === "reset") return idle;
  switch (event.type) {
    case "queued":
      return { ...state, status: "queued", position: event.position };
    case "started":
      return { ...state, status: "running", position: null };
    case "token":
      return { ...state, status: "running", position: null, text: state.text + event.text };
    case "done":
      return { ...state, status: event.reason === "stopped" ? "stopped" : "done", text: event.text };
    case "error":
      return { ...state, status: "error", error: event.message };
  }
}

/**
 * The live text of one generation. The subscription is server-sent events with `tracked` ids: after a dropped
 * connection tRPC reconnects with the last id and the server continues right after it, so no token is lost or
 * shown twice.
 */
export function useGeneration(generationId: string | null): GenerationState {
  const [state, dispatch] = useReducer(reduce, idle);
  useEffect(() => dispatch("reset"), [generationId]);
  trpc.playground.stream.useSubscription(generationId ? { generationId, lastEventId: null } : skipToken, {
    onData: ({ data }) => dispatch(data),
  });
  return state;
}

export const isFinished = (state: GenerationState) =>
  state.status === "done" || state.status === "stopped" || state.status === "error";
