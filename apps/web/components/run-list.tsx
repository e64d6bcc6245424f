"use client";

import Link from "next/link";
import { trpc } from "@/lib/trpc";
import { pollWhileActive } from "./live";
import { QuickStart } from "./runs/QuickStart";
import { StatusBadge } from "./status-badge";

export function RunList({ isAdmin }: { isAdmin: boolean }) {
  const runs = trpc.training.list.useQuery(undefined, {
    refetchInterval: (query) => pollWhileActive(query.state.data?.map((run) => run.status)),
  });

  return (
    <section>
      <div className="toolbar">
        <h1>Training runs</h1>
        {isAdmin && (
          <Link className="button" href="/runs/new">
            New run
          </Link>
        )}
      </div>
      {runs.isLoading && <p className="muted">Loading…</p>}
      {runs.error && <p className="error">{runs.error.message}</p>}
      {runs.data?.length === 0 && <p className="muted">No runs yet.</p>}
      {/* A fresh install: one click trains the whole chain on the bundled examples. */}
      {isAdmin && runs.data?.length === 0 && <QuickStart />}
      <ul className="runs">
        {runs.data?.map((run) => (
          <li key={run.id} className="card run-row">
            <Link href={`/runs/${run.id}`} className="run-link">
              <span className="run-kind">
                {run.kind}
                {run.outputVersion && ` → ${run.outputVersion.model.name} v${run.outputVersion.version}`}
              </span>
              <span className="muted mono">{run.id}</span>
            </Link>
            <StatusBadge status={run.status} />
            <progress max={1} value={run.progress} aria-label="progress" />
            <span className="muted small">
              {run.createdBy?.name ?? "unknown"} · {run.createdAt.toLocaleString()}
              {run.snapshot && ` · snapshot ${run.snapshot.name}`}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
