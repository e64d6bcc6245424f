"use client";

import Link from "next/link";
import { useState } from "react";
import { MODEL_KINDS, type ModelKind } from "@rlhf/shared";
import { trpc } from "@/lib/trpc";
import { formatMetric, headlineMetrics, metricLabel } from "@/lib/evaluationMetrics";
import { errorText } from "../annotation/errorText";

function ImportForm() {
  const [path, setPath] = useState("");
  const [name, setName] = useState("");
  const utils = trpc.useUtils();
  const importModel = trpc.models.importHuggingFace.useMutation({
    onSuccess: () => void utils.models.list.invalidate(),
  });
  return (
    <details className="card">
      <summary>Import a Hugging Face model</summary>
      <p className="muted small">
        A folder written by <span className="mono">transformers</span>&apos;{" "}
        <span className="mono">save_pretrained()</span> (config.json, model.safetensors, tokenizer.json),
        given by its absolute path on the server. It is copied into the registry as a base model and
        evaluated.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          importModel.mutate({ path, name });
        }}
      >
        <label>
          Folder on the server
          <input
            value={path}
            onChange={(e) => setPath(e.target.value)}
            required
            placeholder="/data/gpt2-tiny"
          />
        </label>
        <label>
          Model name
          <input value={name} onChange={(e) => setName(e.target.value)} required placeholder="gpt2-tiny" />
        </label>
        <button className="button" type="submit" disabled={importModel.isPending}>
          {importModel.isPending ? "Importing…" : "Import"}
        </button>
      </form>
      <p role="alert" className="error">
        {errorText(importModel.error)}
      </p>
      {importModel.data && (
        <p role="status">
          Registered as{" "}
          <Link href={`/models/${importModel.data.modelId}`}>version {importModel.data.version}</Link>.
        </p>
      )}
    </details>
  );
}

export function ModelList({ isAdmin }: { isAdmin: boolean }) {
  const [kind, setKind] = useState<ModelKind | "">("");
  const [search, setSearch] = useState("");
  const [alias, setAlias] = useState("");
  const models = trpc.models.list.useQuery({
    kind: kind || undefined,
    search: search || undefined,
    alias: alias || undefined,
  });
  return (
    <section>
      <div className="toolbar">
        <h1>Models</h1>
      </div>
      {isAdmin && <ImportForm />}
      <form className="row card" role="search" onSubmit={(e) => e.preventDefault()}>
        <label className="inline">
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as ModelKind | "")}>
            <option value="">all</option>
            {MODEL_KINDS.map((k) => (
              <option key={k} value={k}>
                {k.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Name
          <input value={search} onChange={(e) => setSearch(e.target.value)} placeholder="any" />
        </label>
        <label className="inline">
          Alias
          <input value={alias} onChange={(e) => setAlias(e.target.value)} placeholder="e.g. champion" />
        </label>
      </form>
      {models.isLoading && <p className="muted">Loading…</p>}
      {models.error && <p className="error">{models.error.message}</p>}
      {models.data?.length === 0 && <p className="muted">No models match.</p>}
      <ul className="runs">
        {models.data?.map((model) => {
          const evaluation = model.latest?.evaluation;
          const shown = evaluation ? headlineMetrics(model.kind, evaluation.metrics) : [];
          return (
            <li key={model.id} className="card run-row" data-testid="model-row">
              <Link href={`/models/${model.id}`} className="run-link">
                <span className="run-kind">{model.name}</span>
                <span className="muted small">
                  {model.kind.toLowerCase()} · {model.versionCount} version
                  {model.versionCount === 1 ? "" : "s"}
                  {model.latest && ` · latest v${model.latest.version}`}
                  {model.aliases.map((a) => ` · ${a.name} → v${a.version}`).join("")}
                </span>
              </Link>
              <span className="badge">{evaluation?.status.toLowerCase() ?? "not evaluated"}</span>
              {shown.length > 0 && (
                <span className="muted small">
                  {shown
                    .map((name) => `${metricLabel(name)}: ${formatMetric(name, evaluation!.metrics[name])}`)
                    .join(" · ")}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
