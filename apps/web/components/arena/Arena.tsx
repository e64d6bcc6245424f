"use client";

import { useEffect, useState } from "react";
import { trpc } from "@/lib/trpc";
import { Answer } from "./Answer";
import { Leaderboard } from "./Leaderboard";
import { isFinished, useGeneration } from "./useGeneration";
import "./arena.css";

const VOTES = [
  ["A", "A is better"],
  ["B", "B is better"],
  ["TIE", "Tie"],
  ["BOTH_BAD", "Both are bad"],
] as const;

/** Chatbot Arena: two anonymous models answer the same prompt side by side; the vote reveals them. */
export function Arena({ isAdmin }: { isAdmin: boolean }) {
  const utils = trpc.useUtils();
  const [battleId, setBattleId] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const battle = trpc.arena.get.useQuery({ battleId: battleId ?? "" }, { enabled: battleId !== null });
  const view = battle.data;
  const last = view?.turns.at(-1);
  const a = useGeneration(last?.a?.generationId ?? null);
  const b = useGeneration(last?.b?.generationId ?? null);
  const bothDone = isFinished(a) && isFinished(b);

  // the streams ended: the battle's stored state (finished, texts) catches up
  const { refetch } = battle;
  const stale = bothDone && view !== undefined && !view.finished;
  useEffect(() => {
    if (stale) void refetch();
  }, [stale, refetch]);

  const onBattle = (data: NonNullable<typeof view>) => {
    utils.arena.get.setData({ battleId: data.id }, data);
    setBattleId(data.id);
    setDraft("");
  };
  const start = trpc.arena.start.useMutation({ onSuccess: onBattle });
  const next = trpc.arena.continue.useMutation({ onSuccess: onBattle });
  const regenerate = trpc.arena.regenerate.useMutation({ onSuccess: onBattle });
  const vote = trpc.arena.vote.useMutation({
    onSuccess: (data) => {
      onBattle(data);
      void utils.arena.leaderboard.invalidate();
    },
  });
  const error = start.error ?? next.error ?? regenerate.error ?? vote.error;
  const voted = view?.vote != null;
  const canAsk = !view || (bothDone && !voted && view.turns.length < view.maxTurns);

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const prompt = draft.trim();
    if (view && !voted) next.mutate({ battleId: view.id, prompt });
    else start.mutate({ prompt });
  };

  return (
    <>
      <section className="card">
        <h1>Arena</h1>
        <p className="muted">
          Two anonymous models answer your prompt. Vote for the better one; their names appear after your
          vote.
        </p>
        {view && (
          <div className="battle">
            {(["a", "b"] as const).map((side) => (
              <div className="battle-side" key={side} aria-label={`Model ${side.toUpperCase()}`}>
                <h2>
                  Model {side.toUpperCase()}
                  {view.reveal && (
                    <span className="reveal" data-testid={`name-${side}`}>
                      : {side === "a" ? view.reveal.modelA : view.reveal.modelB}
                    </span>
                  )}
                </h2>
                {view.turns.map((turn, i) => (
                  <div key={turn.turn} className="chat">
                    <div className="chat-message user">{turn.user}</div>
                    <div className="chat-message assistant">
                      {i === view.turns.length - 1 ? (
                        <Answer state={side === "a" ? a : b} label={`Answer ${side.toUpperCase()}`} />
                      ) : (
                        turn[side]?.text
                      )}
                    </div>
                  </div>
                ))}
              </div>
            ))}
          </div>
        )}
        {view && bothDone && !voted && (
          <div className="vote-buttons" role="group" aria-label="Vote">
            {VOTES.map(([value, label]) => (
              <button
                key={value}
                className="button"
                disabled={vote.isPending}
                onClick={() => vote.mutate({ battleId: view.id, vote: value })}
              >
                {label}
              </button>
            ))}
            <button
              className="button secondary"
              disabled={regenerate.isPending}
              onClick={() => regenerate.mutate({ battleId: view.id })}
            >
              Regenerate
            </button>
          </div>
        )}
        {view?.reveal && (
          <p className="notice" role="status">
            Thanks for voting.
            {view.reveal.excludedReason &&
              ` This battle does not count for the ratings (${view.reveal.excludedReason.replace("_", " ")}).`}
          </p>
        )}
        {(canAsk || voted) && (
          <form className="form" onSubmit={submit}>
            <textarea
              aria-label="Prompt"
              rows={3}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder={view && !voted ? "Ask both models a follow-up" : "Ask both models anything"}
            />
            <div className="toolbar">
              <button className="button" type="submit" disabled={draft.trim() === ""}>
                {view && !voted ? "Send to both" : "New battle"}
              </button>
            </div>
          </form>
        )}
        {error && <p className="error">{error.message}</p>}
      </section>
      <Leaderboard isAdmin={isAdmin} />
    </>
  );
}
