"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import type { AnnotationPolicy } from "@/server/annotation/policy";
import { GUIDELINE_KINDS, LIKERT_DIMENSIONS, type Guidelines } from "@/server/annotation/guidelines";
import { errorText } from "./errorText";

const KIND_NAMES: Record<(typeof GUIDELINE_KINDS)[number], string> = {
  WRITE_PROMPT: "Writing prompts",
  WRITE_ANSWER: "Answering",
  RANK: "Ranking",
  LABEL: "Labelling",
  REVIEW: "Reviewing",
};

/** Admins write the guidelines (Markdown per task kind, a meaning per Likert value) and the policy. */
export function SettingsAdmin() {
  const current = trpc.annotation.guidelines.useQuery();
  const policy = trpc.datasets.policy.useQuery();
  if (current.isLoading || policy.isLoading) return <p className="muted">Loading…</p>;
  if (current.error || policy.error)
    return <p className="error">{errorText(current.error ?? policy.error)}</p>;
  return (
    <>
      <GuidelinesForm initial={current.data!} />
      <PolicyForm initial={policy.data!.policy} fromEnvironment={policy.data!.fromEnvironment} />
    </>
  );
}

function GuidelinesForm({ initial }: { initial: Guidelines }) {
  const [draft, setDraft] = useState(initial);
  const utils = trpc.useUtils();
  const save = trpc.datasets.saveGuidelines.useMutation({
    onSuccess: () => utils.annotation.guidelines.invalidate(),
  });
  return (
    <form
      className="card form"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(draft);
      }}
    >
      <h1>Guidelines</h1>
      <p className="small muted">Markdown, shown beside every task of its kind.</p>
      {GUIDELINE_KINDS.map((kind) => (
        <label key={kind}>
          {KIND_NAMES[kind]} guidelines
          <textarea
            rows={4}
            value={draft.tasks[kind] ?? ""}
            onChange={(e) => setDraft({ ...draft, tasks: { ...draft.tasks, [kind]: e.target.value } })}
          />
        </label>
      ))}
      <h2>What each score means</h2>
      {LIKERT_DIMENSIONS.map((dimension) => (
        <fieldset key={dimension} className="likert">
          <legend>{dimension}</legend>
          {[0, 1, 2, 3, 4].map((i) => (
            <label key={i}>
              {dimension} {i + 1} means
              <input
                value={draft.likert[dimension]?.[i] ?? ""}
                onChange={(e) => {
                  const values = [...(draft.likert[dimension] ?? ["", "", "", "", ""])];
                  values[i] = e.target.value;
                  setDraft({ ...draft, likert: { ...draft.likert, [dimension]: values } });
                }}
              />
            </label>
          ))}
        </fieldset>
      ))}
      <button className="button" type="submit" disabled={save.isPending}>
        Save guidelines
      </button>
      {save.isSuccess && <p role="status">Guidelines saved.</p>}
      <p role="alert" className="error">
        {errorText(save.error)}
      </p>
    </form>
  );
}

function PolicyForm({ initial, fromEnvironment }: { initial: AnnotationPolicy; fromEnvironment: boolean }) {
  const [draft, setDraft] = useState(initial);
  const save = trpc.datasets.savePolicy.useMutation();
  return (
    <form
      className="card form"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(draft);
      }}
    >
      <h2>Annotation policy</h2>
      {fromEnvironment && (
        <p className="notice">
          ANNOTATION_POLICY is set on the server and wins; unset it to edit the policy here.
        </p>
      )}
      {(Object.keys(initial) as (keyof AnnotationPolicy)[]).map((field) => (
        <label key={field}>
          {field}
          <input
            type="number"
            step="any"
            disabled={fromEnvironment}
            value={draft[field]}
            onChange={(e) => setDraft({ ...draft, [field]: Number(e.target.value) })}
          />
        </label>
      ))}
      <button className="button" type="submit" disabled={fromEnvironment || save.isPending}>
        Save policy
      </button>
      {save.isSuccess && <p role="status">Policy saved.</p>}
      <p role="alert" className="error">
        {errorText(save.error)}
      </p>
    </form>
  );
}
