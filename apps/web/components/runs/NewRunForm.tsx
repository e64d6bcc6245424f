"use client";

import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { cloneElement, useMemo, useState, type ReactElement } from "react";
import {
  RUN_BACKENDS,
  RUN_INPUTS,
  RUN_KINDS,
  DEFAULT_OUTPUT_MODEL_NAME,
  runConfigSchemas,
  runSpecSchemas,
  type RunKind,
} from "@rlhf/shared";
import { configJsonSchema, fieldsOf, issuesByPath, overridesOf } from "@/lib/configForm";
import { trpc } from "@/lib/trpc";
import type { AppRouter } from "@/server/api/root";
import { errorText } from "../annotation/errorText";
import { ConfigFields } from "./ConfigFields";

const KIND_TEXT: Record<RunKind, string> = {
  pretrain: "Pretrain a base model (and its tokenizer) on the snapshot's texts",
  sft: "Supervised fine-tuning on the snapshot's demonstrations",
  reward: "Train a reward model on the snapshot's preference pairs",
  dpo: "Direct preference optimisation on the snapshot's preference pairs",
  ppo: "PPO against a reward model, on the snapshot's prompts",
};

type Options = inferRouterOutputs<AppRouter>["training"]["inputOptions"];

function SnapshotFacts({ snapshot }: { snapshot: Options["snapshots"][number] }) {
  return (
    <div className="small" data-testid="snapshot-facts">
      <p className="muted">
        {Object.entries(snapshot.counts)
          .map(([name, count]) => `${name}: ${count}`)
          .join(" · ")}
      </p>
      <ul className="plain">
        {snapshot.files.map((file) => (
          <li key={file.name}>
            <span className="mono">{file.name}</span> — {file.lines} lines
            {file.lines === 0 && snapshot.explanations[file.name] && (
              <span className="muted"> ({snapshot.explanations[file.name]})</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A labelled control with its help and its issue, tied to it for assistive technology. */
function FormField(props: {
  id: string;
  label: string;
  help?: string;
  issue?: string;
  children: ReactElement;
}) {
  const { id, label, help, issue, children } = props;
  const control = cloneElement(children as ReactElement<Record<string, unknown>>, {
    id,
    "aria-invalid": !!issue,
    "aria-describedby": help ? `${id}-help` : undefined,
  });
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      {control}
      {help && (
        <span id={`${id}-help`} className="muted small">
          {help}
        </span>
      )}
      {issue && (
        <span role="alert" className="field-error">
          {issue}
        </span>
      )}
    </div>
  );
}

export function NewRunForm() {
  const router = useRouter();
  const options = trpc.training.inputOptions.useQuery();
  const [kind, setKind] = useState<RunKind>("sft");
  const [snapshotId, setSnapshotId] = useState("");
  const [baseModelVersionId, setBase] = useState("");
  const [rewardModelVersionId, setReward] = useState("");
  const [backend, setBackend] = useState<string>(RUN_BACKENDS[0]);
  const [outputModelName, setOutputName] = useState("");
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [attempted, setAttempted] = useState(false);
  const start = trpc.training.start.useMutation({ onSuccess: ({ id }) => router.push(`/runs/${id}`) });

  const fields = useMemo(() => fieldsOf(configJsonSchema(runConfigSchemas[kind])), [kind]);
  const inputs = RUN_INPUTS[kind];
  const spec = {
    kind,
    snapshotId,
    backend,
    ...(inputs.baseModel && { baseModelVersionId }),
    ...(inputs.rewardModel && { rewardModelVersionId }),
    ...(outputModelName && { outputModelName }),
    config: overridesOf(fields, texts),
  };
  const parsed = runSpecSchemas[kind].safeParse(spec);
  const issues = issuesByPath(parsed.error);
  // The server's checks (validateRunInputs) name their field too; shown beside it until the next change.
  const serverField = start.error?.data?.inputField;
  if (serverField && start.error) issues[serverField] = start.error.message.replace(`${serverField}: `, "");
  const configIssues = Object.fromEntries(
    Object.entries(issues)
      .filter(([path]) => path.startsWith("config."))
      .map(([path, message]) => [path.slice("config.".length), message]),
  );
  // Empty selections are reported once the admin tries to start; typed values are checked as they are typed.
  const shown = (path: string) => (attempted || serverField === path ? issues[path] : undefined);
  const changed =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      start.reset();
      set(value);
    };

  if (options.isLoading) return <p className="muted">Loading…</p>;
  if (options.error) return <p className="error">{options.error.message}</p>;
  const { snapshots, versions } = options.data!;
  const snapshot = snapshots.find((s) => s.id === snapshotId);
  const bases = versions.filter((v) => v.kind !== "REWARD");
  const rewards = versions.filter((v) => v.kind === "REWARD");

  return (
    <form
      className="card form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setAttempted(true);
        if (parsed.success) start.mutate(parsed.data);
      }}
    >
      <h1>New training run</h1>
      <FormField id="run-kind" label="Kind" help={KIND_TEXT[kind]}>
        <select
          value={kind}
          onChange={(e) => {
            changed(setKind)(e.target.value as RunKind);
            setTexts({});
          }}
        >
          {RUN_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </FormField>

      <FormField id="run-snapshot" label="Snapshot" issue={shown("snapshotId")}>
        <select value={snapshotId} onChange={(e) => changed(setSnapshotId)(e.target.value)}>
          <option value="">Choose a frozen snapshot…</option>
          {snapshots.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.createdAt.toLocaleDateString()})
            </option>
          ))}
        </select>
      </FormField>
      {snapshots.length === 0 && (
        <p className="muted small">
          No snapshots yet: freeze one on <Link href="/datasets">Datasets</Link>.
        </p>
      )}
      {snapshot && <SnapshotFacts snapshot={snapshot} />}

      {inputs.baseModel && (
        <FormField id="run-base" label="Base model" issue={shown("baseModelVersionId")}>
          <select value={baseModelVersionId} onChange={(e) => changed(setBase)(e.target.value)}>
            <option value="">Choose the model version to start from…</option>
            {bases.map((v) => (
              <option key={v.id} value={v.id}>
                {v.label} ({v.kind.toLowerCase()})
              </option>
            ))}
          </select>
        </FormField>
      )}
      {inputs.baseModel && bases.length === 0 && (
        <p className="muted small">
          No models yet: pretrain a base first, or import a Hugging Face model on{" "}
          <Link href="/models">Models</Link>.
        </p>
      )}
      {inputs.rewardModel && (
        <FormField id="run-reward" label="Reward model" issue={shown("rewardModelVersionId")}>
          <select value={rewardModelVersionId} onChange={(e) => changed(setReward)(e.target.value)}>
            <option value="">Choose the reward model that scores the samples…</option>
            {rewards.map((v) => (
              <option key={v.id} value={v.id}>
                {v.label}
              </option>
            ))}
          </select>
        </FormField>
      )}
      <FormField id="run-backend" label="Backend">
        <select value={backend} onChange={(e) => changed(setBackend)(e.target.value)}>
          {RUN_BACKENDS.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </FormField>
      <FormField
        id="run-output"
        label="Output model name"
        help="The registry model the result joins as its next version."
        issue={issues.outputModelName}
      >
        <input
          value={outputModelName}
          placeholder={DEFAULT_OUTPUT_MODEL_NAME[kind]}
          onChange={(e) => changed(setOutputName)(e.target.value)}
        />
      </FormField>

      <fieldset>
        <legend>Hyper-parameters ({kind})</legend>
        <p className="muted small">Empty fields take the default shown.</p>
        <ConfigFields
          fields={fields}
          texts={texts}
          issues={configIssues}
          onChange={(path, text) => {
            start.reset();
            setTexts((current) => ({ ...current, [path]: text }));
          }}
        />
      </fieldset>

      {start.error && (
        <p role="alert" className="error" data-testid="start-error">
          {errorText(start.error)}
        </p>
      )}
      {attempted && !parsed.success && <p className="error">Fix the fields marked above first.</p>}
      <div className="row">
        <button className="button" type="submit" disabled={start.isPending}>
          {start.isPending ? "Starting…" : `Start ${kind} run`}
        </button>
        <Link href="/runs">Cancel</Link>
      </div>
    </form>
  );
}
