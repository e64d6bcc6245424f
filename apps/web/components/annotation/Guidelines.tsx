"use client";

import { trpc } from "@/lib/trpc";
import type { GUIDELINE_KINDS } from "@/server/annotation/guidelines";
import { Markdown } from "./Markdown";

export type GuidelineKind = (typeof GUIDELINE_KINDS)[number];

/** The admins' guidelines for this kind of task, beside the task (questions link here with #guidelines). */
export function Guidelines({ kind }: { kind: GuidelineKind }) {
  const guidelines = trpc.annotation.guidelines.useQuery(undefined, { staleTime: 60_000 });
  const text = guidelines.data?.tasks[kind];
  if (!text) return null;
  return (
    <aside className="guidelines" id="guidelines" aria-label="Guidelines">
      <details open>
        <summary>Guidelines</summary>
        <Markdown text={text} />
      </details>
    </aside>
  );
}

/** What each Likert value means for one question, as the admins wrote it (five strings, for 1 to 5). */
export function useLikertDescriptions() {
  const guidelines = trpc.annotation.guidelines.useQuery(undefined, { staleTime: 60_000 });
  return guidelines.data?.likert ?? {};
}
