"use client";

import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { trpc } from "@/lib/trpc";
import { formatMetric, metricLabel, orderMetrics } from "@/lib/evaluationMetrics";
import type { AppRouter } from "@/server/api/root";
import { errorText } from "../annotation/errorText";
import { Markdown } from "../annotation/Markdown";

type Model = inferRouterOutputs<AppRouter>["models"]["get"];
type Version = Model["versions"][number];

const FINISHED = ["SUCCEEDED", "FAILED"];
/** How long after registration a version without an evaluation is still expected to get one. */
const EVALUATION_EXPECTED_MS = 10 * 60_000;

/** Evaluations run after registration: the page refreshes while one is queued, running or about to be. */
const awaitingEvaluation = (version: Version) =>
  version.evaluation
    ? !FINISHED.includes(version.evaluation.status)
    : Date.now() - version.createdAt.getTime() < EVALUATION_EXPECTED_MS;

function Evaluation({ evaluation }: { evaluation: Version["evaluation"] }) {
  if (!evaluation) return <p className="muted">Not evaluated yet.</p>;
  const names = orderMetrics(Object.keys(evaluation.metrics));
  return (
    <div data-testid="evaluation">
      <p className="small">
        Evaluation{" "}
        <span className={`badge badge-${evaluation.status.toLowerCase()}`}>{evaluation.status}</span>
        {evaluation.judgeVersion && (
          <>
            {" "}
            judged by{" "}
            <Link href={`/models/${evaluation.judgeVersion.model.id}#v${evaluation.judgeVersion.version}`}>
              {evaluation.judgeVersion.model.name} v{evaluation.judgeVersion.version}
            </Link>
          </>
        )}
      </p>
      {evaluation.error && <p className="error">{evaluation.error}</p>}
      {names.length > 0 && (
        <table className="table">
          <tbody>
            {names.map((name) => (
              <tr key={name}>
                <th scope="row">{metricLabel(name)}</th>
                <td className="mono" title={name}>
                  {formatMetric(name, evaluation.metrics[name])}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {evaluation.samples.length > 0 && (
        <details>
          <summary>Sample generations ({evaluation.samples.length})</summary>
          <ul className="plain">
            {evaluation.samples.map((sample) => (
              <li key={`${sample.promptId}:${sample.seed}`} className="sample">
                <p className="small muted">
                  {sample.prompt} <span className="mono">(seed {sample.seed})</span>
                </p>
                <pre className="log">{sample.text}</pre>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function Card({ version, isAdmin }: { version: Version; isAdmin: boolean }) {
  const [editing, setEditing] = useState<string | null>(null);
  const utils = trpc.useUtils();
  const save = trpc.models.updateCard.useMutation({
    onSuccess: async () => {
      await utils.models.get.invalidate();
      setEditing(null);
    },
  });
  if (editing !== null)
    return (
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ versionId: version.id, card: editing });
        }}
      >
        <label>
          Model card (Markdown)
          <textarea value={editing} onChange={(e) => setEditing(e.target.value)} rows={14} />
        </label>
        <div className="row">
          <button className="button" type="submit" disabled={save.isPending}>
            Save card
          </button>
          <button className="button secondary" type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </div>
        <p role="alert" className="error">
          {errorText(save.error)}
        </p>
      </form>
    );
  return (
    <div>
      <Markdown text={version.card} documents />
      {isAdmin && (
        <button className="button secondary" onClick={() => setEditing(version.card)}>
          Edit card
        </button>
      )}
    </div>
  );
}

function AliasForm({ version }: { version: Version }) {
  const [alias, setAlias] = useState("champion");
  const utils = trpc.useUtils();
  const move = trpc.models.moveAlias.useMutation({ onSuccess: () => void utils.models.get.invalidate() });
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate({ versionId: version.id, alias });
      }}
    >
      <label className="inline">
        Alias
        <input value={alias} onChange={(e) => setAlias(e.target.value)} size={12} />
      </label>
      <button className="button secondary" type="submit" disabled={move.isPending}>
        Point at v{version.version}
      </button>
      <span role="alert" className="error">
        {errorText(move.error)}
      </span>
    </form>
  );
}

function CompareForm({ version, model }: { version: Version; model: Model }) {
  const router = useRouter();
  const others = [
    ...model.versions
      .filter((v) => v.id !== version.id)
      .map((v) => ({ id: v.id, label: `${model.name} v${v.version}` })),
    ...(version.parentVersion
      ? [
          {
            id: version.parentVersion.id,
            label: `${version.parentVersion.model.name} v${version.parentVersion.version} (parent)`,
          },
        ]
      : []),
  ];
  const [other, setOther] = useState(others[0]?.id ?? "");
  if (others.length === 0) return null;
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        router.push(`/models/compare?a=${other}&b=${version.id}`);
      }}
    >
      <label className="inline">
        Compare with
        <select value={other} onChange={(e) => setOther(e.target.value)}>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <button className="button secondary" type="submit">
        Compare
      </button>
    </form>
  );
}

function VersionSection(props: { version: Version; model: Model; isAdmin: boolean; canDownload: boolean }) {
  const { version, model, isAdmin, canDownload } = props;
  const aliases = model.aliases.filter((a) => a.versionId === version.id);
  const architecture = version.architecture ?? {};
  return (
    <section className="card" id={`v${version.version}`} aria-labelledby={`v${version.version}-title`}>
      <div className="toolbar">
        <h2 id={`v${version.version}-title`}>
          v{version.version}
          {aliases.map((a) => (
            <span key={a.name} className="badge badge-succeeded alias-badge">
              {a.name}
            </span>
          ))}
        </h2>
        <div className="row">
          <Link href={`/models/lineage/${version.id}`}>Lineage</Link>
          {canDownload && (
            <a className="button secondary" href={`/api/models/${version.id}/download`} download>
              Download (.tar.gz)
            </a>
          )}
        </div>
      </div>
      <dl className="facts">
        <dt>Registered</dt>
        <dd>{version.createdAt.toLocaleString()}</dd>
        <dt>Trained by</dt>
        <dd>
          {version.run ? (
            <Link href={`/runs/${version.run.id}`}>
              {version.run.kind} run ({version.run.status.toLowerCase()})
            </Link>
          ) : (
            "imported"
          )}
        </dd>
        <dt>Snapshot</dt>
        <dd>{version.snapshot?.name ?? "—"}</dd>
        <dt>Parent</dt>
        <dd>
          {version.parentVersion ? (
            <Link href={`/models/${version.parentVersion.model.id}#v${version.parentVersion.version}`}>
              {version.parentVersion.model.name} v{version.parentVersion.version}
            </Link>
          ) : (
            "—"
          )}
        </dd>
        <dt>Architecture</dt>
        <dd className="mono">
          {Object.entries(architecture)
            .filter(([, value]) => value !== undefined && value !== null)
            .map(([key, value]) => `${key} ${String(value)}`)
            .join(" · ") || "—"}
        </dd>
        <dt>transformers.js export</dt>
        <dd>{version.exportDir ? "yes" : "not yet"}</dd>
      </dl>
      <h3>Evaluation</h3>
      <Evaluation evaluation={version.evaluation} />
      <h3>Model card</h3>
      <Card version={version} isAdmin={isAdmin} />
      <div className="row version-actions">
        <CompareForm version={version} model={model} />
        {isAdmin && <AliasForm version={version} />}
      </div>
    </section>
  );
}

export function ModelPage(props: { id: string; isAdmin: boolean; canDownload: boolean }) {
  const model = trpc.models.get.useQuery(
    { id: props.id },
    { refetchInterval: (query) => (query.state.data?.versions.some(awaitingEvaluation) ? 3000 : false) },
  );
  if (model.isLoading) return <p className="muted">Loading…</p>;
  if (model.error) return <p className="error">{model.error.message}</p>;
  const data = model.data!;
  return (
    <>
      <p>
        <Link href="/models">← All models</Link>
      </p>
      <div className="toolbar">
        <h1>{data.name}</h1>
        <span className="badge">{data.kind.toLowerCase()}</span>
      </div>
      <p className="muted small">
        {data.versions.length} version{data.versions.length === 1 ? "" : "s"} ·{" "}
        {data.aliases
          .map((a) => `${a.name} → v${data.versions.find((v) => v.id === a.versionId)?.version}`)
          .join(" · ") || "no aliases"}
      </p>
      {data.versions.map((version) => (
        <VersionSection
          key={version.id}
          version={version}
          model={data}
          isAdmin={props.isAdmin}
          canDownload={props.canDownload}
        />
      ))}
    </>
  );
}
