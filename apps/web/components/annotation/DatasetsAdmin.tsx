"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import { PROMPT_SOURCES, REVIEW_STATES } from "@/server/annotation/inputs";
import { errorText } from "./errorText";
import { useSubmissionId } from "./useSubmissionId";

const SNAPSHOT_DOWNLOADS = ["preference.jsonl", "sft.jsonl", "text.jsonl", "manifest.json"] as const;

function ImportForm() {
  const [fileText, setFileText] = useState("");
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const utils = trpc.useUtils();
  const run = trpc.datasets.importJsonl.useMutation({
    onSuccess: () => {
      renewSubmissionId();
      void utils.datasets.snapshots.invalidate();
    },
  });
  return (
    <section className="card">
      <h2>Import prompts and answers (JSONL)</h2>
      <p className="small muted mono">
        {'{"prompt": "...", "responses": [{"text": "...", "model": "name"}], "language": "en"}'} or{" "}
        {'{"messages": [...]}'}
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate({ submissionId, fileText });
        }}
      >
        <input
          type="file"
          accept=".jsonl,.json,.txt"
          aria-label="JSONL file"
          onChange={async (e) => setFileText((await e.target.files?.[0]?.text()) ?? "")}
        />
        <textarea
          aria-label="JSONL text"
          value={fileText}
          onChange={(e) => setFileText(e.target.value)}
          rows={6}
          placeholder="…or paste lines here"
        />
        <div className="row">
          <button className="button" type="submit" disabled={run.isPending || fileText === ""}>
            {run.isPending ? "Importing…" : "Import"}
          </button>
          <button
            type="button"
            className="button secondary"
            onClick={async () => setFileText(await (await fetch("/examples/prompts.jsonl")).text())}
          >
            Load the example file
          </button>
        </div>
      </form>
      <p role="alert" className="error">
        {errorText(run.error)}
      </p>
      {run.data && (
        <div role="status" className="import-result">
          <p>
            Prompts: {run.data.promptsCreated} new, {run.data.promptsAlreadyPresent} already present. Answers:{" "}
            {run.data.responsesCreated} new, {run.data.responsesAlreadyPresent} already present. Bad lines:{" "}
            {run.data.errorCount}.
          </p>
          <ul className="plain small">
            {run.data.errors.map((e) => (
              <li key={e.line}>
                line {e.line}: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function SnapshotForm() {
  const [name, setName] = useState("");
  const [languages, setLanguages] = useState("");
  const [sources, setSources] = useState<string[]>([]);
  const [states, setStates] = useState<string[]>(["ACCEPTED"]);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const utils = trpc.useUtils();
  const create = trpc.datasets.createSnapshot.useMutation({
    onSuccess: () => {
      renewSubmissionId();
      void utils.datasets.snapshots.invalidate();
    },
  });
  const toggle = (list: string[], value: string) =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
  return (
    <section className="card">
      <h2>New snapshot</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            submissionId,
            name,
            filters: {
              languages: languages
                .split(",")
                .map((l) => l.trim())
                .filter(Boolean),
              sources: sources as (typeof PROMPT_SOURCES)[number][],
              reviewStates: states as (typeof REVIEW_STATES)[number][],
              createdFrom: from ? new Date(from).toISOString() : undefined,
              createdTo: to ? new Date(`${to}T23:59:59.999`).toISOString() : undefined,
            },
          });
        }}
      >
        <label>
          Name
          <input
            name="snapshot-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={200}
          />
        </label>
        <label>
          Languages (comma-separated, empty = all)
          <input name="languages" value={languages} onChange={(e) => setLanguages(e.target.value)} />
        </label>
        <fieldset>
          <legend>Sources (none = all)</legend>
          {PROMPT_SOURCES.map((s) => (
            <label key={s} className="chip">
              <input
                type="checkbox"
                checked={sources.includes(s)}
                onChange={() => setSources(toggle(sources, s))}
              />{" "}
              {s.toLowerCase()}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Review states</legend>
          {REVIEW_STATES.map((s) => (
            <label key={s} className="chip">
              <input
                type="checkbox"
                checked={states.includes(s)}
                onChange={() => setStates(toggle(states, s))}
              />{" "}
              {s.toLowerCase()}
            </label>
          ))}
        </fieldset>
        <div className="row">
          <label className="inline">
            From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label className="inline">
            To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
        <button className="button" type="submit" disabled={create.isPending}>
          {create.isPending ? "Freezing…" : "Make snapshot"}
        </button>
      </form>
      <p role="alert" className="error">
        {errorText(create.error)}
      </p>
    </section>
  );
}

function SnapshotList() {
  const snapshots = trpc.datasets.snapshots.useQuery();
  const utils = trpc.useUtils();
  const [failure, setFailure] = useState("");
  const download = async (snapshotId: string, name: string, file: (typeof SNAPSHOT_DOWNLOADS)[number]) => {
    try {
      const { content } = await utils.datasets.snapshotFile.fetch({ snapshotId, file });
      const url = URL.createObjectURL(new Blob([content], { type: "application/octet-stream" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = `${name}-${file}`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      setFailure(String(error));
    }
  };
  if (snapshots.isLoading) return <p className="muted">Loading…</p>;
  if (snapshots.error) return <p className="error">{errorText(snapshots.error)}</p>;
  return (
    <section className="card">
      <h2>Snapshots</h2>
      <p role="alert" className="error">
        {failure}
      </p>
      {snapshots.data!.length === 0 && <p className="muted">None yet.</p>}
      <ul className="plain">
        {snapshots.data!.map((s) => (
          <li key={s.id} id={`snapshot-${s.id}`} className="snapshot" data-testid="snapshot">
            <strong>{s.name}</strong>{" "}
            <span className="small muted">{new Date(s.createdAt).toLocaleString()}</span>
            <div className="small">
              {Object.entries(s.counts)
                .map(([k, v]) => `${k} ${v}`)
                .join(" · ")}
            </div>
            <ul className="plain small">
              {s.files
                .filter((file) => file.lines === 0)
                .map((file) => (
                  <li key={file.name}>
                    <span className="mono">{file.name}</span> is empty
                    {s.explanations[file.name] ? `: ${s.explanations[file.name]}` : ""}
                  </li>
                ))}
            </ul>
            <div className="mono small" title="sha256 content hash">
              {s.contentHash}
            </div>
            <div className="row">
              {SNAPSHOT_DOWNLOADS.map((file) => (
                <button
                  key={file}
                  type="button"
                  className="button secondary"
                  onClick={() => download(s.id, s.name, file)}
                >
                  {file}
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function DatasetsAdmin() {
  return (
    <>
      <h1>Datasets</h1>
      <ImportForm />
      <SnapshotForm />
      <SnapshotList />
    </>
  );
}
