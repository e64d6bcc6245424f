"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { trpc } from "@/lib/trpc";
import { pollWhileActive } from "./live";
import { StatusBadge } from "./status-badge";

export function RunList({ canStart }: { canStart: boolean }) {
  const router = useRouter();
  const runs = trpc.training.list.useQuery(undefined, {
    refetchInterval: (query) => pollWhileActive(query.state.data?.map((run) => run.status)),
  });
  const start = trpc.training.startDemo.useMutation({ onSuccess: ({ id }) => router.push(`/runs/${id}`) });

  return (
    <section>
      <div className="toolbar">
        <h1>Training runs</h1>
        {canStart && (
          <button className="button" onClick={() => start.mutate({})} disabled={start.isPending}>
            {start.isPending ? "Starting…" : "Start demo run"}
          </button>
        )}
      </div>
      {start.error && <p className="error">{start.error.message}</p>}
      {runs.isLoading && <p className="muted">Loading…</p>}
      {runs.error && <p className="error">{runs.error.message}</p>}
      {runs.data?.length === 0 && <p className="muted">No runs yet.</p>}
      <ul className="runs">
        {runs.data?.map((run) => (
          <li key={run.id} className="card run-row">
            <Link href={`/runs/${run.id}`} className="run-link">
              <span className="run-kind">{run.kind}</span>
              <span className="muted mono">{run.id}</span>
            </Link>
            <StatusBadge status={run.status} />
            <progress max={1} value={run.progress} aria-label="progress" />
            <span className="muted small">
              {run.createdBy?.name ?? "unknown"} · {run.createdAt.toLocaleString()}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
