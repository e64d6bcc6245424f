"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import type { ChatMessage } from "@/server/annotation/content";
import { MAX_TEXT_CHARS } from "@/server/annotation/content";
import { errorText } from "./errorText";
import { Guidelines } from "./Guidelines";
import { Markdown } from "./Markdown";
import { useSubmissionId } from "./useSubmissionId";

const EMPTY: ChatMessage[] = [{ role: "user", content: "" }];

/** A prompt is one user message or a conversation that ends with the user speaking. */
export function WritePrompt() {
  const [messages, setMessages] = useState<ChatMessage[]>(EMPTY);
  const [language, setLanguage] = useState("en");
  const [preview, setPreview] = useState(false);
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const [saved, setSaved] = useState(false);
  const create = trpc.annotation.createPrompt.useMutation({
    onSuccess: () => {
      setSaved(true);
      setMessages(EMPTY);
      renewSubmissionId();
    },
  });

  const update = (i: number, content: string) =>
    setMessages(messages.map((m, j) => (j === i ? { ...m, content } : m)));
  // Turns alternate, so a conversation grows by an assistant reply and the user's next message.
  const addTurns = () =>
    setMessages([...messages, { role: "assistant", content: "" }, { role: "user", content: "" }]);
  const removeLastTurns = () => setMessages(messages.slice(0, -2));

  return (
    <section className="card">
      <h1>Write a prompt</h1>
      <p className="muted small">
        Ask something a helpful assistant should answer well. Markdown is allowed.
      </p>
      <Guidelines kind="WRITE_PROMPT" />
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          create.mutate({ submissionId, messages, language });
        }}
      >
        {messages.map((message, i) => (
          <label key={i}>
            {message.role === "user" ? "User" : "Assistant"} {messages.length > 1 ? `(turn ${i + 1})` : ""}
            <textarea
              name={`message-${i}`}
              value={message.content}
              onChange={(e) => update(i, e.target.value)}
              rows={message.role === "user" ? 5 : 4}
              maxLength={MAX_TEXT_CHARS}
              required
            />
          </label>
        ))}
        <div className="row">
          <button type="button" className="button secondary" onClick={addTurns}>
            Add a turn
          </button>
          {messages.length > 1 && (
            <button type="button" className="button secondary" onClick={removeLastTurns}>
              Remove last turn
            </button>
          )}
          <label className="inline">
            Language
            <input
              name="language"
              value={language}
              onChange={(e) => setLanguage(e.target.value)}
              size={6}
              required
            />
          </label>
          <label className="inline">
            <input type="checkbox" checked={preview} onChange={(e) => setPreview(e.target.checked)} /> Preview
          </label>
        </div>
        {preview && (
          <div className="preview" aria-label="Preview">
            {messages.map((m, i) => (
              <Markdown key={i} text={m.content} />
            ))}
          </div>
        )}
        <button className="button" type="submit" disabled={create.isPending}>
          {create.isPending ? "Saving…" : "Submit prompt"}
        </button>
        <p role="status" className="ok">
          {saved ? "Saved. Thank you! Write another, or pick a task above." : ""}
        </p>
        <p role="alert" className="error">
          {errorText(create.error)}
        </p>
      </form>
    </section>
  );
}
