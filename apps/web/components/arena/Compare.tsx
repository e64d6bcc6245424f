"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import "./arena.css";

/** Two or more model versions side by side: evaluation metrics and answers to the fixed evaluation prompts. */
export function Compare() {
  const models = trpc.playground.models.useQuery();
  const [chosen, setChosen] = useState<string[]>([]);
  const comparison = trpc.playground.compare.useQuery(
    { versionIds: chosen },
    { enabled: chosen.length >= 2 },
  );
  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));
  const data = comparison.data;
  return (
    <section className="card">
      <h1>Compare models</h1>
      <fieldset className="params">
        <legend>Pick two or more versions</legend>
        {models.data?.map((m) => (
          <label key={m.id}>
            <input type="checkbox" checked={chosen.includes(m.id)} onChange={() => toggle(m.id)} />
            {m.name}
          </label>
        ))}
      </fieldset>
      {comparison.error && <p className="error">{comparison.error.message}</p>}
      {data && (
        <>
          <h2>Evaluation</h2>
          <table className="table">
            <thead>
              <tr>
                <th>Metric</th>
                {data.versions.map((v) => (
                  <th key={v.id}>
                    {v.name}
                    {!v.evaluated && <span className="muted small"> (not evaluated)</span>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.metrics.map((m) => (
                <tr key={m.name}>
                  <td className="mono">{m.name}</td>
                  {m.values.map((value, i) => (
                    <td key={i}>{value === null ? "–" : value.toPrecision(4)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Answers to the evaluation prompts</h2>
          <table className="table">
            <thead>
              <tr>
                <th>Prompt</th>
                {data.versions.map((v) => (
                  <th key={v.id}>{v.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.samples.map((s) => (
                <tr key={`${s.prompt}:${s.seed}`}>
                  <td>{s.prompt}</td>
                  {s.answers.map((answer, i) => (
                    <td key={i} className="answer-text">
                      {answer ?? "–"}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
