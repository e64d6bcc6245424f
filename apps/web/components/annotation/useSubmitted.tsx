"use client";

import { useEffect, useState } from "react";
import { trpc } from "@/lib/trpc";

/**
 * After every submission: a toast ("Saved") and the person's progress (done today, open tasks), read again
 * from the server so it counts work from every tab.
 */
export function useSubmitted() {
  const [message, setMessage] = useState<string | null>(null);
  const progress = trpc.annotation.progress.useQuery();
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(() => setMessage(null), 4000);
    return () => clearTimeout(timer);
  }, [message]);
  const notify = (what: string) => {
    setMessage(`${what} saved. Thank you!`);
    void progress.refetch();
  };
  const view = (
    <>
      {progress.data && (
        <p className="small muted" aria-label="Progress">
          Done today: {progress.data.doneToday} · open tasks: {progress.data.openTasks}
        </p>
      )}
      {message && (
        <div className="toast" role="status">
          {message}
        </div>
      )}
    </>
  );
  return { notify, view };
}
