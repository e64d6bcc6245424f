"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { isTerminalStatus } from "@rlhf/shared";
import { trpc } from "@/lib/trpc";
import { etaSeconds, formatDuration } from "@/lib/eta";
import { errorText } from "./annotation/errorText";
import { RunCharts } from "./charts/RunCharts";
import { useRunLive } from "./runs/useRunLive";
import { StatusBadge } from "./status-badge";

type VersionRef = { id: string; version: number; model: { id: string; name: string } } | null;

function VersionLink({ version }: { version: VersionRef }) {
  if (!version) return <>—</>;
  return (
    <Link href={`/models/${version.model.id}#v${version.version}`}>
      {version.model.name} v{version.version}
    </Link>
  );
}

/** Re-renders every second while the run is active, so the ETA counts down between events. */
function useNow(active: boolean) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function RunControls({
  id,
  status,
  cancelRequested,
}: {
  id: string;
  status: string;
  cancelRequested: boolean;
}) {
  const cancel = trpc.training.cancel.useMutation();
  const resume = trpc.training.resume.useMutation();
  const active = ["PENDING", "QUEUED", "RUNNING"].includes(status);
  return (
    <div className="row">
      {active && (
        <button
          className="button secondary"
          onClick={() => cancel.mutate({ id })}
          disabled={cancel.isPending || cancelRequested}
        >
          {cancelRequested ? "Cancelling…" : "Cancel run"}
        </button>
      )}
      {(status === "CANCELLED" || status === "FAILED") && (
        <button className="button" onClick={() => resume.mutate({ id })} disabled={resume.isPending}>
          {resume.isPending ? "Resuming…" : "Resume from last checkpoint"}
        </button>
      )}
      <p role="alert" className="error">
        {errorText(cancel.error ?? resume.error)}
      </p>
    </div>
  );
}

export function RunDetail({ id, canControl }: { id: string; canControl: boolean }) {
  const details = trpc.training.get.useQuery({ id });
  const refetch = details.refetch;
  const live = useRunLive(
    id,
    useCallback(() => void refetch(), [refetch]),
  );
  const run = live.run;
  const now = useNow(!!run && !isTerminalStatus(run.status));

  if (details.isLoading) return <p className="muted">Loading…</p>;
  if (details.error) return <p className="error">{details.error.message}</p>;
  const data = details.data!;
  const status = run?.status ?? data.status;
  // The current attempt started with its first log line; a resumed run's startedAt is its first attempt's.
  const attemptStart =
    live.logs.find((line) => line.attempt === run?.attempts)?.createdAt ??
    (run?.attempts === 1 ? run.startedAt : null);
  const eta = run && status === "RUNNING" ? etaSeconds({ ...run, startedAt: attemptStart, now }) : null;
  return (
    <section className="card">
      <p>
        <Link href="/runs">← All runs</Link>
      </p>
      <div className="toolbar">
        <h1>{data.kind} run</h1>
        <StatusBadge status={status} />
      </div>
      <progress max={1} value={run?.progress ?? data.progress} aria-label="progress" className="wide" />
      <p className="muted small" data-testid="run-progress">
        {Math.round((run?.progress ?? data.progress) * 100)}% · step {run?.step ?? data.step}
        {(run?.totalSteps ?? data.totalSteps) ? ` of ${run?.totalSteps ?? data.totalSteps}` : ""} · attempt{" "}
        {run?.attempts ?? data.attempts}
        {run?.resumedFromStep ? ` (resumed from step ${run.resumedFromStep})` : ""}
        {eta !== null && <span data-testid="run-eta"> · about {formatDuration(eta)} left</span>}
        {!live.connected && !isTerminalStatus(status) && " · reconnecting…"}
      </p>
      {(run?.error ?? data.error) && <p className="error">{run?.error ?? data.error}</p>}
      {canControl && (
        <RunControls id={id} status={status} cancelRequested={!!(run ?? data).cancelRequestedAt} />
      )}

      <dl className="facts">
        <dt>Run id</dt>
        <dd className="mono">{data.id}</dd>
        <dt>Started by</dt>
        <dd>{data.createdBy?.name ?? "unknown"}</dd>
        <dt>Created</dt>
        <dd>{data.createdAt.toLocaleString()}</dd>
        <dt>Finished</dt>
        <dd>{(run?.finishedAt ?? data.finishedAt)?.toLocaleString() ?? "—"}</dd>
        <dt>Backend</dt>
        <dd>{data.backend}</dd>
        <dt>Snapshot</dt>
        <dd>
          {data.snapshot ? (
            <Link href={`/datasets#snapshot-${data.snapshot.id}`}>{data.snapshot.name}</Link>
          ) : (
            "—"
          )}
        </dd>
        <dt>Base model</dt>
        <dd>
          <VersionLink version={data.baseModelVersion} />
        </dd>
        {data.rewardModelVersion && (
          <>
            <dt>Reward model</dt>
            <dd>
              <VersionLink version={data.rewardModelVersion} />
            </dd>
          </>
        )}
        <dt>Output model</dt>
        <dd data-testid="run-output">
          {data.outputVersion ? (
            <VersionLink version={data.outputVersion} />
          ) : (
            <span className="muted">{data.outputModelName ?? "—"} (registered when the run succeeds)</span>
          )}
        </dd>
        <dt>Work folder</dt>
        <dd className="mono">{data.workDir ?? "—"}</dd>
      </dl>

      <h2>Metrics</h2>
      <RunCharts metrics={live.metrics} />

      <h2>Log</h2>
      <pre className="log" role="log" aria-label="run log" tabIndex={0}>
        {live.logs.length === 0
          ? "No log lines yet."
          : live.logs
              .map((line) => `${line.createdAt.toLocaleTimeString()} ${line.level.padEnd(5)} ${line.message}`)
              .join("\n")}
      </pre>

      <h2>Config</h2>
      <pre className="log" tabIndex={0} aria-label="run config">
        {JSON.stringify(data.config, null, 2)}
      </pre>
    </section>
  );
}
