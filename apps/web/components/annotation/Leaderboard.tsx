"use client";

import { trpc } from "@/lib/trpc";
import { CONTRIBUTION_KINDS, CONTRIBUTION_POINTS } from "@/server/annotation/quality";
import { errorText } from "./errorText";

export function Leaderboard() {
  const board = trpc.review.leaderboard.useQuery();
  if (board.isLoading) return <p className="muted">Loading…</p>;
  if (board.error) return <p className="error">{errorText(board.error)}</p>;
  return (
    <section className="card">
      <h1>Leaderboard</h1>
      <p className="small muted">
        Points: {CONTRIBUTION_KINDS.map((k) => `${k} ${CONTRIBUTION_POINTS[k]}`).join(", ")}; accepted work
        counts double, rejected or hidden work nothing.
      </p>
      <div className="scroll">
        <table className="table">
          <thead>
            <tr>
              <th>#</th>
              <th>Name</th>
              <th>Score</th>
              {CONTRIBUTION_KINDS.map((k) => (
                <th key={k} className="phone-hide">
                  {k}s
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {board.data!.map((row) => (
              <tr key={row.userId}>
                <td>{row.rank}</td>
                <td>{row.name}</td>
                <td>{row.score}</td>
                {CONTRIBUTION_KINDS.map((k) => (
                  <td key={k} className="phone-hide">
                    {row.counts[k]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
