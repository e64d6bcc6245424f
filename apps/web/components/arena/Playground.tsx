"use client";

import { useEffect, useState } from "react";
import { trpc } from "@/lib/trpc";
import { Answer } from "./Answer";
import { isFinished, useGeneration } from "./useGeneration";
import "./arena.css";

interface Message {
  role: "user" | "assistant";
  content: string;
}

const DEFAULTS = { temperature: 0.7, topP: 0.95, maxNewTokens: 128, seed: 0 };

/** Multi-turn chat with one registered model: streamed answers, stop, regenerate, save as a prompt. */
export function Playground() {
  const models = trpc.playground.models.useQuery();
  const [versionId, setVersionId] = useState("");
  const [params, setParams] = useState(DEFAULTS);
  const [messages, setMessages] = useState<Message[]>([]);
  const [draft, setDraft] = useState("");
  const [generationId, setGenerationId] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const answer = useGeneration(generationId);
  const send = trpc.playground.send.useMutation();
  const stop = trpc.playground.stop.useMutation();
  const save = trpc.playground.save.useMutation({ onSuccess: ({ promptId }) => setSaved(promptId) });

  useEffect(() => {
    if (!versionId && models.data?.[0]) setVersionId(models.data[0].id);
  }, [models.data, versionId]);

  // A finished answer joins the conversation (a stopped one too, with the text it had); a failed or empty one
  // does not, and the user may regenerate.
  useEffect(() => {
    if (!generationId || !isFinished(answer)) return;
    if (answer.status === "error") setProblem(`The model failed: ${answer.error}`);
    else if (answer.text.trim() === "")
      setProblem("The model answered with nothing; regenerate to try again.");
    else setMessages((m) => [...m, { role: "assistant", content: answer.text }]);
    setGenerationId(null);
  }, [answer, generationId]);

  const busy = generationId !== null || send.isPending;
  const ask = async (conversation: Message[], seed = params.seed) => {
    setSaved(null);
    setProblem(null);
    const { generationId: id } = await send.mutateAsync({
      versionId,
      messages: conversation,
      params: { ...params, seed },
    });
    setGenerationId(id);
  };
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const conversation = [...messages, { role: "user" as const, content: draft.trim() }];
    setMessages(conversation);
    setDraft("");
    await ask(conversation);
  };
  const regenerate = async () => {
    const conversation = messages.at(-1)?.role === "assistant" ? messages.slice(0, -1) : messages;
    setMessages(conversation);
    // a new seed, so that a sampled answer differs
    const seed = params.seed + 1;
    setParams({ ...params, seed });
    await ask(conversation, seed);
  };
  const number = (key: keyof typeof DEFAULTS) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setParams({ ...params, [key]: Number(e.target.value) });

  return (
    <section className="card">
      <h1>Playground</h1>
      <div className="params">
        <label>
          Model
          <select
            value={versionId}
            onChange={(e) => setVersionId(e.target.value)}
            aria-label="Model"
            disabled={busy}
          >
            {models.data?.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.kind.toLowerCase()})
              </option>
            ))}
          </select>
        </label>
        <label>
          Temperature
          <input
            type="number"
            min={0}
            max={2}
            step={0.1}
            value={params.temperature}
            onChange={number("temperature")}
          />
        </label>
        <label>
          Top-p
          <input type="number" min={0.05} max={1} step={0.05} value={params.topP} onChange={number("topP")} />
        </label>
        <label>
          Max new tokens
          <input
            type="number"
            min={1}
            max={1024}
            value={params.maxNewTokens}
            onChange={number("maxNewTokens")}
          />
        </label>
        <label>
          Seed
          <input type="number" min={0} value={params.seed} onChange={number("seed")} />
        </label>
      </div>
      {models.data?.length === 0 && (
        <p className="notice">No model is registered yet: train or import one first.</p>
      )}

      <div className="chat" aria-label="Conversation">
        {messages.map((m, i) => (
          <div key={i} className={`chat-message ${m.role}`} data-role={m.role}>
            {m.content}
          </div>
        ))}
        {generationId && (
          <div className="chat-message assistant" data-role="streaming">
            <Answer state={answer} label="Answer" />
          </div>
        )}
        {problem && <p className="error">{problem}</p>}
      </div>

      <form className="form" onSubmit={submit}>
        <textarea
          aria-label="Message"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          rows={3}
          placeholder="Write a message"
        />
        <div className="toolbar">
          <button className="button" type="submit" disabled={busy || !versionId || draft.trim() === ""}>
            Send
          </button>
          {generationId && (
            <button className="button secondary" type="button" onClick={() => stop.mutate({ generationId })}>
              Stop
            </button>
          )}
          <button
            className="button secondary"
            type="button"
            onClick={regenerate}
            disabled={busy || !messages.some((m) => m.role === "user")}
          >
            Regenerate
          </button>
          <button
            className="button secondary"
            type="button"
            onClick={() => save.mutate({ messages })}
            disabled={busy || !messages.some((m) => m.role === "user")}
          >
            Save as prompt
          </button>
          <button
            className="button secondary"
            type="button"
            onClick={() => {
              setMessages([]);
              setSaved(null);
              setProblem(null);
            }}
            disabled={busy}
          >
            New chat
          </button>
        </div>
        {send.error && <p className="error">{send.error.message}</p>}
        {save.error && <p className="error">{save.error.message}</p>}
        {saved && (
          <p className="notice" role="status">
            Saved as a prompt for annotation ({saved}); it waits for review.
          </p>
        )}
      </form>
    </section>
  );
}
