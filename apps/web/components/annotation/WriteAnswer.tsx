"use client";

import { useRef } from "react";
import { trpc } from "@/lib/trpc";
import { MAX_TEXT_CHARS } from "@/server/annotation/content";
import { Conversation } from "./Conversation";
import { errorText } from "./errorText";
import { Guidelines } from "./Guidelines";
import { Markdown } from "./Markdown";
import { useShortcuts } from "./shortcuts";
import { SkipTask } from "./SkipTask";
import { useDraft } from "./useDraft";
import { useSubmissionId } from "./useSubmissionId";
import { useSubmitted } from "./useSubmitted";
import { NO_TASK_TEXT, useTask } from "./useTask";

/** Write the answer a good assistant would give (a demonstration), with a live markdown preview. */
export function WriteAnswer() {
  const { result, loading, error, load } = useTask("WRITE_ANSWER");
  const task = result?.task ?? null;
  const [text, setText, clearDraft] = useDraft(task ? `answer:${task.id}` : null, "");
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const submitted = useSubmitted();
  const form = useRef<HTMLFormElement>(null);
  const help = useShortcuts([
    { key: "Ctrl+Enter", does: "submit", run: () => form.current?.requestSubmit() },
  ]);
  const submit = trpc.annotation.submitAnswer.useMutation({
    onSuccess: () => {
      clearDraft();
      renewSubmissionId();
      submitted.notify("Answer");
      load();
    },
  });
  if (loading) return <p className="muted">Finding a prompt for you…</p>;
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
      <h1>Answer this prompt</h1>
      {submitted.view}
      <Guidelines kind="WRITE_ANSWER" />
      <Conversation messages={task.prompt.messages} />
      <form
        ref={form}
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          submit.mutate({ submissionId, taskId: task.id, text });
        }}
      >
        <label>
          Your answer (markdown)
          <textarea
            name="answer"
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={10}
            maxLength={MAX_TEXT_CHARS}
            required
          />
        </label>
        {text && (
          <div className="preview" aria-label="Preview">
            <span className="small muted">Preview</span>
            <Markdown text={text} />
          </div>
        )}
        <button className="button" type="submit" disabled={submit.isPending}>
          {submit.isPending ? "Saving…" : "Submit answer"}
        </button>
        <p role="alert" className="error">
          {errorText(submit.error)}
        </p>
      </form>
      <SkipTask taskId={task.id} onSkipped={load} />
      {help}
    </section>
  );
}
