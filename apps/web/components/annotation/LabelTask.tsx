"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import type { LabelValues } from "@/server/annotation/inputs";
import { LIKERT_SCALES } from "@/server/annotation/quality";
import { CollapsibleText } from "./CollapsibleText";
import { Conversation } from "./Conversation";
import { errorText } from "./errorText";
import { FlagPicker } from "./FlagPicker";
import { LikertPicker } from "./LikertPicker";
import { SkipTask } from "./SkipTask";
import { useSubmissionId } from "./useSubmissionId";
import { NO_TASK_TEXT, useTask } from "./useTask";

const EMPTY: LabelValues = { flags: [] };

/** Flags and Likert scores for one answer, and optionally flags for its prompt. */
export function LabelTask() {
  const { result, loading, error, load } = useTask("LABEL");
  const [answer, setAnswer] = useState<LabelValues>(EMPTY);
  const [prompt, setPrompt] = useState<LabelValues>(EMPTY);
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const submit = trpc.annotation.submitLabels.useMutation({
    onSuccess: () => {
      setAnswer(EMPTY);
      setPrompt(EMPTY);
      renewSubmissionId();
      load();
    },
  });
  if (loading) return <p className="muted">Finding an answer to label…</p>;
  if (error) return <p className="error">{errorText(error)}</p>;
  if (!result?.task) return <p className="notice">{NO_TASK_TEXT[result?.reason ?? "nothing-available"]}</p>;
  const task = result.task;
  return (
    <section className="card">
      <h1>Label an answer</h1>
      <Conversation messages={task.prompt.messages} />
      <details className="card-flags">
        <summary className="small">Flag the prompt</summary>
        <FlagPicker
          name="prompt-flag"
          value={prompt.flags}
          onChange={(flags) => setPrompt({ ...prompt, flags })}
        />
      </details>
      <article className="answer">
        <strong>Answer</strong>
        <CollapsibleText text={task.responses[0].text} />
      </article>
      <form
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
        />
        {LIKERT_SCALES.map((scale) => (
          <LikertPicker
            key={scale}
            name="answer"
            scale={scale}
            value={answer[scale]}
            onChange={(v) => setAnswer({ ...answer, [scale]: v })}
          />
        ))}
        <button className="button" type="submit" disabled={submit.isPending}>
          {submit.isPending ? "Saving…" : "Submit labels"}
        </button>
        <p role="alert" className="error">
          {errorText(submit.error)}
        </p>
      </form>
      <SkipTask taskId={task.id} onSkipped={load} />
    </section>
  );
}
