"use client";

import { trpc } from "@/lib/trpc";
import { errorText } from "./errorText";

const format = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(3));

/** Agreement per question and per annotator. Empty cells: too little overlap, or no variation, to say. */
export function QualityStats() {
  const stats = trpc.review.stats.useQuery();
  if (stats.isLoading) return <p className="muted">Loading…</p>;
  if (stats.error) return <p className="error">{errorText(stats.error)}</p>;
  const { labels, rankings, names } = stats.data!;
  const annotators = [
    ...new Set([...labels.flatMap((q) => Object.keys(q.byAnnotator)), ...Object.keys(rankings.byAnnotator)]),
  ];
  return (
    <>
      <section className="card">
        <h1>Agreement</h1>
        <p className="small muted">
          Krippendorff&apos;s alpha per label question (flags nominal, Likert ordinal; 1 = perfect, 0 =
          chance) and the mean Kendall tau-b between rankings of the same prompt.
        </p>
        <p>
          Rankings: mean tau-b <strong>{format(rankings.meanTau)}</strong> over {rankings.comparisons} pairs
          of rankings.
        </p>
        <div className="scroll">
          <table className="table">
            <thead>
              <tr>
                <th>Question</th>
                <th>Project</th>
                {annotators.map((a) => (
                  <th key={a}>{names[a] ?? a}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((q) => (
                <tr key={q.question}>
                  <td className="mono">{q.question}</td>
                  <td>{format(q.alpha)}</td>
                  {annotators.map((a) => (
                    <td key={a}>{format(q.byAnnotator[a])}</td>
                  ))}
                </tr>
              ))}
              <tr>
                <td className="mono">ranking/tau</td>
                <td>{format(rankings.meanTau)}</td>
                {annotators.map((a) => (
                  <td key={a}>{format(rankings.byAnnotator[a]?.meanTau)}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
