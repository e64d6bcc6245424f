"use client";

import { useRef } from "react";
import { trpc } from "@/lib/trpc";
import type { LabelValues } from "@/server/annotation/inputs";
import { FLAGS, LIKERT_MAX, LIKERT_MIN, LIKERT_SCALES } from "@/server/annotation/quality";
import { CollapsibleText } from "./CollapsibleText";
import { Conversation } from "./Conversation";
import { errorText } from "./errorText";
import { FLAG_KEYS, FLAG_NAMES, FlagPicker } from "./FlagPicker";
import { Guidelines, useLikertDescriptions } from "./Guidelines";
import { LikertPicker } from "./LikertPicker";
import { useShortcuts } from "./shortcuts";
import { SkipTask } from "./SkipTask";
import { useDraft } from "./useDraft";
import { useSubmissionId } from "./useSubmissionId";
import { useSubmitted } from "./useSubmitted";
import { NO_TASK_TEXT, useTask } from "./useTask";

const EMPTY: { answer: LabelValues; prompt: LabelValues } = { answer: { flags: [] }, prompt: { flags: [] } };
const POINTS = Array.from({ length: LIKERT_MAX - LIKERT_MIN + 1 }, (_, i) => String(LIKERT_MIN + i));

/** Flags and Likert scores for one answer, and optionally flags for its prompt. */
export function LabelTask() {
  const { result, loading, error, load } = useTask("LABEL");
  const task = result?.task ?? null;
  const [draft, setDraft, clearDraft] = useDraft(task ? `label:${task.id}` : null, EMPTY);
  const { answer, prompt } = draft;
  const setAnswer = (next: LabelValues) => setDraft({ ...draft, answer: next });
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const likert = useLikertDescriptions();
  const submitted = useSubmitted();
  const form = useRef<HTMLFormElement>(null);
  const submit = trpc.annotation.submitLabels.useMutation({
    onSuccess: () => {
      clearDraft();
      renewSubmissionId();
      submitted.notify("Labels");
      load();
    },
  });
  // 1–5 score the first question still unanswered; letters toggle the answer's flags.
  const nextScale = LIKERT_SCALES.find((scale) => answer[scale] === undefined) ?? LIKERT_SCALES[0];
  const help = useShortcuts([
    ...POINTS.map((point) => ({
      key: point,
      does: `score the next unanswered question ${point}`,
      run: () => setAnswer({ ...answer, [nextScale]: Number(point) }),
    })),
    ...FLAGS.map((flag) => ({
      key: FLAG_KEYS[flag],
      does: `flag the answer as ${FLAG_NAMES[flag]}`,
      run: () =>
        setAnswer({
          ...answer,
          flags: answer.flags.includes(flag)
            ? answer.flags.filter((f) => f !== flag)
            : [...answer.flags, flag],
        }),
    })),
    { key: "Ctrl+Enter", does: "submit", run: () => form.current?.requestSubmit() },
  ]);
  if (loading) return <p className="muted">Finding an answer to label…</p>;
  if (error) return <p className="error">{errorText(error)}</p>;
  if (!task)
    return (
      <>
        <p className="notice">
          {NO_TASK_TEXT[result && "reason" in result ? result.reason : "nothing-available"]}
        </p>
        {submitted.view}
      </>
    );
  return (
    <section className="card">
      <h1>Label an answer</h1>
      {submitted.view}
      <Guidelines kind="LABEL" />
      <Conversation messages={task.prompt.messages} />
      <details className="card-flags">
        <summary className="small">Flag the prompt</summary>
        <FlagPicker
          name="prompt-flag"
          value={prompt.flags}
          onChange={(flags) => setDraft({ ...draft, prompt: { ...prompt, flags } })}
        />
      </details>
      <article className="answer">
        <strong>Answer</strong>
        <CollapsibleText text={task.responses[0].text} />
      </article>
      <form
        ref={form}
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          submit.mutate({
            submissionId,
            taskId: task.id,
            response: answer,
            prompt: prompt.flags.length ? prompt : undefined,
          });
        }}
      >
        <FlagPicker
          name="answer-flag"
          value={answer.flags}
          onChange={(flags) => setAnswer({ ...answer, flags })}
          showKeys
        />
        {LIKERT_SCALES.map((scale) => (
          <LikertPicker
            key={scale}
            name="answer"
            scale={scale}
            value={answer[scale]}
            onChange={(v) => setAnswer({ ...answer, [scale]: v })}
            descriptions={likert[scale]}
          />
        ))}
        <button className="button" type="submit" disabled={submit.isPending}>
          {submit.isPending ? "Saving…" : "Submit labels"}
        </button>
        <p className="small muted">
          Keys: 1–5 score, letters flag, Ctrl+Enter submits, <kbd>?</kbd> lists them.
        </p>
        <p role="alert" className="error">
          {errorText(submit.error)}
        </p>
      </form>
      <SkipTask taskId={task.id} onSkipped={load} />
      {help}
    </section>
  );
}
