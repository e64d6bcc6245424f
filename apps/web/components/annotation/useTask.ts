"use client";

import { useCallback, useEffect } from "react";
import { trpc } from "@/lib/trpc";

export type AnnotatorTaskKind = "WRITE_ANSWER" | "RANK" | "LABEL";

/** The caller's current task of one kind (assigned on first ask), and a way to ask for the next one. */
export function useTask(kind: AnnotatorTaskKind) {
  const next = trpc.annotation.nextTask.useMutation();
  const { mutate } = next;
  const load = useCallback(() => mutate({ kind }), [mutate, kind]);
  useEffect(load, [load]);
  return {
    result: next.data,
    loading: next.isPending || (!next.data && !next.error),
    error: next.error,
    load,
  };
}

export const NO_TASK_TEXT = {
  "nothing-available":
    "Nothing to do here right now. Thank you! Try another kind of task, or come back later.",
  "too-many-open-tasks": "You have too many open tasks. Finish or skip one of them first.",
} as const;
