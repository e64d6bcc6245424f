"use client";

import type { GenerationState } from "./useGeneration";

/** One streamed answer: its text so far, and where it stands (waiting, writing, stopped, failed). */
export function Answer({ state, label }: { state: GenerationState; label: string }) {
  return (
    <div
      className="answer"
      data-status={state.status}
      aria-label={label}
      aria-busy={state.status === "running"}
    >
      <div className="answer-text">{state.text}</div>
      <div className="small muted">
        {state.status === "queued" && `waiting: place ${state.position} in line`}
        {state.status === "running" && "writing…"}
        {state.status === "stopped" && "stopped"}
        {state.status === "error" && <span className="error">failed: {state.error}</span>}
      </div>
    </div>
  );
}
