"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";

/** Skip with a reason; the item is never offered to this person again. */
export function SkipTask({ taskId, onSkipped }: { taskId: string; onSkipped: () => void }) {
  const [reason, setReason] = useState("");
  const skip = trpc.annotation.skipTask.useMutation({ onSuccess: onSkipped });
  return (
    <details className="skip">
      <summary>Skip this task</summary>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          skip.mutate({ taskId, reason });
        }}
      >
        <input
          aria-label="Reason for skipping"
          placeholder="Why? (e.g. not my language)"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={2000}
          required
        />
        <button className="button secondary" type="submit" disabled={skip.isPending}>
          Skip
        </button>
      </form>
      {skip.error && <p className="error">{skip.error.message}</p>}
    </details>
  );
}
