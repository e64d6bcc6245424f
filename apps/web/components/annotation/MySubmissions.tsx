"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import type { Groups } from "@/server/annotation/rankingMoves";
import { Conversation } from "./Conversation";
import { errorText } from "./errorText";
import { Markdown } from "./Markdown";
import { RankingBoard } from "./RankingBoard";
import { useSubmissionId } from "./useSubmissionId";

function EditWindow({ editable, until }: { editable: boolean; until: string }) {
  return (
    <span className="small muted">
      {editable ? `editable until ${new Date(until).toLocaleTimeString()}` : "no longer editable"}
    </span>
  );
}

function History({ count, children }: { count: number; children: React.ReactNode }) {
  if (count === 0) return null;
  return (
    <details>
      <summary className="small">Earlier versions ({count})</summary>
      {children}
    </details>
  );
}

/** The caller's recent prompts, answers and rankings; each can be edited inside the edit window. */
export function MySubmissions() {
  const mine = trpc.annotation.mySubmissions.useQuery();
  const utils = trpc.useUtils();
  const refresh = () => utils.annotation.mySubmissions.invalidate();
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [draftGroups, setDraftGroups] = useState<Groups>([]);
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const done = () => {
    setEditing(null);
    renewSubmissionId();
    void refresh();
  };
  const editPrompt = trpc.annotation.editPrompt.useMutation({ onSuccess: done });
  const editResponse = trpc.annotation.editResponse.useMutation({ onSuccess: done });
  const editRanking = trpc.annotation.editRanking.useMutation({ onSuccess: done });
  const failure = editPrompt.error ?? editResponse.error ?? editRanking.error;

  if (mine.isLoading) return <p className="muted">Loading…</p>;
  if (mine.error) return <p className="error">{errorText(mine.error)}</p>;
  const { prompts, responses, rankings } = mine.data!;
  return (
    <>
      <h1>My submissions</h1>
      <p role="alert" className="error">
        {errorText(failure)}
      </p>
      <section className="card">
        <h2>Prompts ({prompts.length})</h2>
        {prompts.map((p) => (
          <div key={p.id} className="submission">
            <span className={`badge badge-${p.reviewState.toLowerCase()}`}>
              {p.hidden ? "hidden" : p.reviewState.toLowerCase()}
            </span>{" "}
            <EditWindow editable={p.editable} until={p.editableUntil} />
            <RejectionReasons reasons={p.rejectionReasons} />
            {editing === p.id ? (
              <form
                className="form"
                onSubmit={(e) => {
                  e.preventDefault();
                  const messages = p.messages.map((m, i) =>
                    i === p.messages.length - 1 ? { ...m, content: draft } : m,
                  );
                  editPrompt.mutate({ submissionId, promptId: p.id, messages });
                }}
              >
                <textarea
                  aria-label="Prompt text"
                  value={draft}
                  onChange={(e) => setDraft(e.target.value)}
                  rows={4}
                />
                <button className="button" type="submit">
                  Save
                </button>
              </form>
            ) : (
              <Conversation messages={p.messages} />
            )}
            {p.editable && editing !== p.id && (
              <button
                className="button secondary"
                onClick={() => {
                  setEditing(p.id);
                  setDraft(p.messages[p.messages.length - 1].content);
                }}
              >
                Edit
              </button>
            )}
            <History count={p.history.length}>
              {p.history.map((h, i) => (
                <pre key={i} className="history">
                  {h.at}: {JSON.stringify(h.before)}
                </pre>
              ))}
            </History>
          </div>
        ))}
      </section>
      <section className="card">
        <h2>Answers ({responses.length})</h2>
        {responses.map((r) => (
          <div key={r.id} className="submission">
            <span className={`badge badge-${r.reviewState.toLowerCase()}`}>
              {r.hidden ? "hidden" : r.reviewState.toLowerCase()}
            </span>{" "}
            <EditWindow editable={r.editable} until={r.editableUntil} />
            <RejectionReasons reasons={r.rejectionReasons} />
            <details>
              <summary className="small">Prompt</summary>
              <Conversation messages={r.prompt} />
            </details>
            {editing === r.id ? (
              <form
                className="form"
                onSubmit={(e) => {
                  e.preventDefault();
                  editResponse.mutate({ submissionId, responseId: r.id, text: draft });
                }}
              >
                <textarea
                  aria-label="Answer text"
                  value={draft}
                  onChange={(e) => setDraft(e.target.value)}
                  rows={6}
                />
                <button className="button" type="submit">
                  Save
                </button>
              </form>
            ) : (
              <Markdown text={r.text} />
            )}
            {r.editable && editing !== r.id && (
              <button
                className="button secondary"
                onClick={() => {
                  setEditing(r.id);
                  setDraft(r.text);
                }}
              >
                Edit
              </button>
            )}
            <History count={r.history.length}>
              {r.history.map((h, i) => (
                <pre key={i} className="history">
                  {h.at}: {(h.before as { text: string }).text}
                </pre>
              ))}
            </History>
          </div>
        ))}
      </section>
      <section className="card">
        <h2>Rankings ({rankings.length})</h2>
        {rankings.map((k) => {
          const answers = k.order.flat().map((id) => ({ id, text: k.texts[id] ?? "" }));
          return (
            <div key={k.id} className="submission">
              <EditWindow editable={k.editable} until={k.editableUntil} />
              <Conversation messages={k.prompt} />
              {editing === k.id ? (
                <>
                  <RankingBoard
                    answers={answers}
                    groups={draftGroups}
                    onGroupsChange={setDraftGroups}
                    flags={{}}
                    onFlagsChange={() => undefined}
                  />
                  <button
                    className="button"
                    onClick={() =>
                      editRanking.mutate({ submissionId, rankingId: k.id, ranking: draftGroups })
                    }
                  >
                    Save ranking
                  </button>
                </>
              ) : (
                <ol className="small">
                  {k.order.map((group, g) => (
                    <li key={g}>{group.map((id) => (k.texts[id] ?? id).slice(0, 80)).join("  =  ")}</li>
                  ))}
                </ol>
              )}
              {k.editable && editing !== k.id && (
                <button
                  className="button secondary"
                  onClick={() => {
                    setEditing(k.id);
                    setDraftGroups(k.order);
                  }}
                >
                  Edit
                </button>
              )}
              <History count={k.history.length}>
                {k.history.map((h, i) => (
                  <pre key={i} className="history">
                    {h.at}: {JSON.stringify((h.before as { order: Groups }).order)}
                  </pre>
                ))}
              </History>
            </div>
          );
        })}
      </section>
    </>
  );
}

/** Why reviewers rejected this, so the author can learn from it. */
function RejectionReasons({ reasons }: { reasons: string[] }) {
  if (reasons.length === 0) return null;
  return (
    <ul className="rejections" aria-label="Rejection reasons">
      {reasons.map((reason, i) => (
        <li key={i}>Rejected: {reason}</li>
      ))}
    </ul>
  );
}
