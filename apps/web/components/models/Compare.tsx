"use client";

import Link from "next/link";
import { trpc } from "@/lib/trpc";
import { formatMetric, metricLabel, orderMetrics } from "@/lib/evaluationMetrics";

/** Two versions' metrics side by side (evaluation, then the final training values) and their samples paired. */
export function Compare({ a, b }: { a: string; b: string }) {
  const comparison = trpc.models.compare.useQuery({ a, b });
  if (comparison.isLoading) return <p className="muted">Loading…</p>;
  if (comparison.error) return <p className="error">{comparison.error.message}</p>;
  const data = comparison.data!;
  // Evaluation metrics in the model page's order, then the training metrics by name.
  const evaluationOrder = orderMetrics(
    data.metrics.filter((r) => r.source === "evaluation").map((r) => r.name),
  );
  const rows = [...data.metrics].sort(
    (x, y) =>
      (x.source === "evaluation" ? evaluationOrder.indexOf(x.name) : evaluationOrder.length) -
      (y.source === "evaluation" ? evaluationOrder.indexOf(y.name) : evaluationOrder.length),
  );
  const title = (v: typeof data.a) => (
    <Link href={`/models/${v.model.id}#v${v.version}`}>
      {v.model.name} v{v.version}
    </Link>
  );
  return (
    <section className="card">
      <h1>
        {title(data.a)} vs {title(data.b)}
      </h1>
      <table className="table compare" data-testid="compare-table">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">
              {data.a.model.name} v{data.a.version}
            </th>
            <th scope="col">
              {data.b.model.name} v{data.b.version}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.source}:${row.name}`}>
              <th scope="row">
                {metricLabel(row.name)}{" "}
                <span className="muted small">{row.source === "training" ? "(end of training)" : ""}</span>
              </th>
              <td className="mono">{formatMetric(row.name, row.a)}</td>
              <td className="mono">{formatMetric(row.name, row.b)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.metrics.length === 0 && <p className="muted">Neither version has metrics yet.</p>}
      <h2>Sample generations (same prompt, same seed)</h2>
      {data.samples.length === 0 && <p className="muted">No paired samples.</p>}
      {data.samples.map((sample) => (
        <div key={`${sample.prompt}:${sample.seed}`} className="card">
          <p className="small muted">
            {sample.prompt} <span className="mono">(seed {sample.seed})</span>
          </p>
          <div className="charts">
            <pre className="log">{sample.a}</pre>
            <pre className="log">{sample.b}</pre>
          </div>
        </div>
      ))}
    </section>
  );
}
