"use client";

import { useEffect, useRef, useState } from "react";
import {
  type Groups,
  insertAt,
  joinGroup,
  moveDown,
  moveUp,
  toggleTie,
} from "@/server/annotation/rankingMoves";
import type { Flag } from "@/server/annotation/quality";
import { CollapsibleText } from "./CollapsibleText";
import { FlagPicker } from "./FlagPicker";

/** Model names are not shown: knowing which model wrote an answer biases its rank. */
export interface RankedAnswer {
  id: string;
  text: string;
}

/**
 * Ranking with ties by keyboard, buttons or drag and drop. Keys on a focused answer: ↑/↓ move it, T ties it with
 * the answer above (or unties it), S flags it as spam. Tied answers share a box and a rank number.
 */
export function RankingBoard({
  answers,
  groups,
  onGroupsChange,
  flags,
  onFlagsChange,
}: {
  answers: RankedAnswer[];
  groups: Groups;
  onGroupsChange: (groups: Groups) => void;
  flags: Record<string, Flag[]>;
  onFlagsChange: (id: string, flags: Flag[]) => void;
}) {
  const letter = Object.fromEntries(answers.map((a, i) => [a.id, String.fromCharCode(65 + i)]));
  const byId = Object.fromEntries(answers.map((a) => [a.id, a]));
  const cards = useRef(new Map<string, HTMLElement>());
  const [focusId, setFocusId] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);

  // A moved card is re-rendered in a new place: give the keyboard focus back to it.
  useEffect(() => {
    if (focusId) cards.current.get(focusId)?.focus();
  }, [groups, focusId]);

  const apply = (id: string, move: (groups: Groups, id: string) => Groups) => {
    setFocusId(id);
    onGroupsChange(move(groups, id));
  };

  const onKey = (event: React.KeyboardEvent, id: string) => {
    if (event.target !== event.currentTarget) return;
    const key = event.key.toLowerCase();
    if (key === "arrowup") apply(id, moveUp);
    else if (key === "arrowdown") apply(id, moveDown);
    else if (key === "t") apply(id, toggleTie);
    else if (key === "s") {
      const current = flags[id] ?? [];
      onFlagsChange(
        id,
        current.includes("spam") ? current.filter((f) => f !== "spam") : [...current, "spam"],
      );
    } else return;
    event.preventDefault();
  };

  const drop = (event: React.DragEvent, move: (id: string) => Groups) => {
    event.preventDefault();
    const id = event.dataTransfer.getData("text/plain");
    if (byId[id]) onGroupsChange(move(id));
    setDragging(null);
  };

  let rank = 1;
  return (
    <div className="ranking" aria-label="Ranking, best first">
      <p className="small muted">
        Best first. Focus an answer (Tab), then <kbd>↑</kbd>/<kbd>↓</kbd> to move it, <kbd>T</kbd> to tie it
        with the answer above, <kbd>S</kbd> to flag it as spam. Or drag answers; drop one onto another box to
        tie them.
      </p>
      {groups.map((group, g) => {
        const groupRank = rank;
        rank += group.length;
        return (
          <div key={group.join("|")}>
            <div
              className={`drop-gap ${dragging ? "active" : ""}`}
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => drop(e, (id) => insertAt(groups, id, g))}
              aria-hidden
            />
            <div
              className={`rank-group ${group.length > 1 ? "tied" : ""}`}
              data-testid={`rank-group-${g}`}
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => drop(e, (id) => joinGroup(groups, id, g))}
            >
              <span className="rank-number" aria-hidden>
                {groupRank}
                {group.length > 1 ? " (tie)" : ""}
              </span>
              {group.map((id) => (
                <article
                  key={id}
                  ref={(el) => {
                    if (el) cards.current.set(id, el);
                    else cards.current.delete(id);
                  }}
                  className="rank-card"
                  tabIndex={0}
                  draggable
                  data-answer={letter[id]}
                  aria-label={`Answer ${letter[id]}, rank ${groupRank}${group.length > 1 ? ", tied" : ""}${(flags[id] ?? []).length ? `, flagged ${(flags[id] ?? []).join(", ")}` : ""}`}
                  onKeyDown={(e) => onKey(e, id)}
                  onFocus={() => setFocusId(id)}
                  onDragStart={(e) => {
                    e.dataTransfer.setData("text/plain", id);
                    setDragging(id);
                  }}
                  onDragEnd={() => setDragging(null)}
                >
                  <header className="rank-card-head">
                    <strong>Answer {letter[id]}</strong>
                    {(flags[id] ?? []).length > 0 && (
                      <span className="badge badge-failed">{(flags[id] ?? []).join(", ")}</span>
                    )}
                    <span className="rank-buttons">
                      <button
                        type="button"
                        className="icon"
                        title="Move up"
                        aria-label={`Move answer ${letter[id]} up`}
                        onClick={() => apply(id, moveUp)}
                      >
                        ▲
                      </button>
                      <button
                        type="button"
                        className="icon"
                        title="Move down"
                        aria-label={`Move answer ${letter[id]} down`}
                        onClick={() => apply(id, moveDown)}
                      >
                        ▼
                      </button>
                      <button
                        type="button"
                        className="icon"
                        title="Tie with the answer above / untie"
                        aria-label={`Tie or untie answer ${letter[id]}`}
                        onClick={() => apply(id, toggleTie)}
                      >
                        =
                      </button>
                    </span>
                  </header>
                  <CollapsibleText text={byId[id].text} />
                  <details className="card-flags">
                    <summary className="small">
                      Flags{(flags[id] ?? []).length ? ` (${(flags[id] ?? []).length})` : ""}
                    </summary>
                    <FlagPicker
                      name={`flag-${letter[id]}`}
                      value={flags[id] ?? []}
                      onChange={(next) => onFlagsChange(id, next)}
                    />
                  </details>
                </article>
              ))}
            </div>
          </div>
        );
      })}
      <div
        className={`drop-gap ${dragging ? "active" : ""}`}
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => drop(e, (id) => insertAt(groups, id, groups.length))}
        aria-hidden
      />
    </div>
  );
}
