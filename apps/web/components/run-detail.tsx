"use client";

import Link from "next/link";
import { trpc } from "@/lib/trpc";
import { LossChart } from "./loss-chart";
import { pollWhileActive } from "./live";
import { StatusBadge } from "./status-badge";

export function RunDetail({ id }: { id: string }) {
  const run = trpc.training.get.useQuery(
    { id },
    { refetchInterval: (query) => pollWhileActive(query.state.data && [query.state.data.status]) },
  );

  if (run.isLoading) return <p className="muted">Loading…</p>;
  if (run.error) return <p className="error">{run.error.message}</p>;
  const data = run.data!;
  return (
    <section className="card">
      <p>
        <Link href="/runs">← All runs</Link>
      </p>
      <div className="toolbar">
        <h1>
          {data.kind} run {data.kind === "demo" && <span className="muted small">(placeholder job)</span>}
        </h1>
        <StatusBadge status={data.status} />
      </div>
      <progress max={1} value={data.progress} aria-label="progress" className="wide" />
      <p className="muted small" data-testid="run-progress">
        {Math.round(data.progress * 100)}% · attempt {data.attempts}
      </p>
      {data.error && <p className="error">{data.error}</p>}
      <dl className="facts">
        <dt>Run id</dt>
        <dd className="mono">{data.id}</dd>
        <dt>Started by</dt>
        <dd>{data.createdBy?.name ?? "unknown"}</dd>
        <dt>Created</dt>
        <dd>{data.createdAt.toLocaleString()}</dd>
        <dt>Finished</dt>
        <dd>{data.finishedAt?.toLocaleString() ?? "—"}</dd>
        <dt>Config</dt>
        <dd className="mono">{JSON.stringify(data.config)}</dd>
      </dl>
      <h2>train/loss</h2>
      <LossChart points={data.loss} />
    </section>
  );
}
