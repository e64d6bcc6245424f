"use client";

import { useCallback, useEffect, useState } from "react";
import { trpc } from "@/lib/trpc";
import { CollapsibleText } from "./CollapsibleText";
import { Conversation } from "./Conversation";
import { errorText } from "./errorText";
import { Guidelines } from "./Guidelines";
import { useShortcuts } from "./shortcuts";
import { useSubmissionId } from "./useSubmissionId";
import { useSubmitted } from "./useSubmitted";

/** One submission at a time: accept, or reject with a reason; the next one loads by itself. */
export function ReviewQueue() {
  const next = trpc.review.nextTask.useMutation();
  const { mutate } = next;
  const load = useCallback(() => mutate(), [mutate]);
  useEffect(load, [load]);
  const [reason, setReason] = useState("");
  const [decided, setDecided] = useState(0);
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const submitted = useSubmitted();
  const review = trpc.review.submitReview.useMutation({
    onSuccess: (_, input) => {
      submitted.notify(input.verdict === "ACCEPT" ? "Acceptance" : "Rejection");
      setReason("");
      setDecided((n) => n + 1);
      renewSubmissionId();
      load();
    },
  });
  const task = next.data?.task;
  const send = (verdict: "ACCEPT" | "REJECT") =>
    task && review.mutate({ submissionId, taskId: task.id, verdict, reason });
  const help = useShortcuts([
    { key: "a", does: "accept", run: () => send("ACCEPT") },
    { key: "r", does: "reject (write the reason first)", run: () => send("REJECT") },
  ]);
  if (next.isPending || (!next.data && !next.error)) return <p className="muted">Loading the queue…</p>;
  if (next.error) return <p className="error">{errorText(next.error)}</p>;
  if (!task)
    return (
      <>
        <p className="notice">
          The review queue is empty. {decided > 0 && `You reviewed ${decided} this session.`}
        </p>
        {submitted.view}
      </>
    );
  return (
    <section className="card" data-review-task={task.id}>
      <h1>Review {task.reviewsPrompt ? "a prompt" : "an answer"}</h1>
      {submitted.view}
      <Guidelines kind="REVIEW" />
      <Conversation messages={task.prompt.messages} />
      {!task.reviewsPrompt && (
        <article className="answer">
          <strong>Answer under review</strong>
          <CollapsibleText text={task.responses[0].text} />
        </article>
      )}
      <label className="form">
        Reason (needed to reject)
        <textarea
          name="reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={2}
          maxLength={2000}
        />
      </label>
      <div className="row">
        <button className="button" type="button" disabled={review.isPending} onClick={() => send("ACCEPT")}>
          Accept
        </button>
        <button
          className="button danger"
          type="button"
          disabled={review.isPending}
          onClick={() => send("REJECT")}
        >
          Reject
        </button>
      </div>
      <p className="small muted">
        Keys: <kbd>a</kbd> accept, <kbd>r</kbd> reject, <kbd>?</kbd> lists them.
      </p>
      <p role="alert" className="error">
        {errorText(review.error)}
      </p>
      {help}
    </section>
  );
}
