"use client";

import Link from "next/link";
import { trpc } from "@/lib/trpc";

type Ref = { id: string; version: number; model: { id: string; name: string; kind: string } };

const versionLink = (v: Ref) => (
  <Link href={`/models/${v.model.id}#v${v.version}`}>
    {v.model.name} v{v.version} <span className="muted small">({v.model.kind.toLowerCase()})</span>
  </Link>
);

/** snapshot → run → this version → what was built on it, with the chain of parents before it. */
export function Lineage({ versionId }: { versionId: string }) {
  const lineage = trpc.models.lineage.useQuery({ versionId });
  if (lineage.isLoading) return <p className="muted">Loading…</p>;
  if (lineage.error) return <p className="error">{lineage.error.message}</p>;
  const data = lineage.data!;
  const runs = [
    ...data.baseOfRuns.map((run) => ({ ...run, role: "started from it" })),
    ...data.rewardOfRuns.map((run) => ({ ...run, role: "used it as reward model" })),
  ];
  return (
    <section className="card">
      <h1>
        Lineage of {data.model.name} v{data.version}
      </h1>
      {data.ancestors.length > 0 && (
        <>
          <h2>Ancestors</h2>
          <ol className="lineage" aria-label="ancestors, oldest first">
            {[...data.ancestors].reverse().map((a) => (
              <li key={a.id}>{versionLink(a)}</li>
            ))}
          </ol>
        </>
      )}
      <h2>How it was made</h2>
      <ol className="lineage" aria-label="how it was made" data-testid="lineage-chain">
        <li>
          {data.snapshot ? (
            <Link href={`/datasets#snapshot-${data.snapshot.id}`}>snapshot {data.snapshot.name}</Link>
          ) : (
            "no snapshot"
          )}
        </li>
        <li>
          {data.run ? (
            <Link href={`/runs/${data.run.id}`}>
              {data.run.kind} run ({data.run.status.toLowerCase()})
            </Link>
          ) : (
            "imported"
          )}
        </li>
        <li>
          <strong>{versionLink(data)}</strong>
        </li>
      </ol>
      <h2>Built on it</h2>
      {data.children.length === 0 && runs.length === 0 && <p className="muted">Nothing yet.</p>}
      <ul className="plain">
        {data.children.map((child) => (
          <li key={child.id}>model {versionLink(child)}</li>
        ))}
        {runs.map((run) => (
          <li key={`${run.role}:${run.id}`}>
            <Link href={`/runs/${run.id}`}>
              {run.kind} run ({run.status.toLowerCase()})
            </Link>{" "}
            <span className="muted small">{run.role}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
