"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import { RankingAnswers } from "./RankingAnswers";

const fmt = (x: number) => x.toFixed(0);

/**
 * Bradley-Terry ratings with 95% bootstrap intervals, online Elo, battles per model, the pairwise win-rate
 * matrix and battle counts; refreshed every few seconds so that new votes show. Admins publish models and move
 * battles in and out in FastChat's format.
 */
export function Leaderboard({ isAdmin }: { isAdmin: boolean }) {
  const board = trpc.arena.leaderboard.useQuery(undefined, { refetchInterval: 5000 });
  const data = board.data;
  return (
    <section className="card" aria-label="Leaderboard">
      <h2>Leaderboard</h2>
      {data && data.rows.length === 0 && <p className="muted">No battles have been voted on yet.</p>}
      {data && data.rows.length > 0 && (
        <>
          <table className="table" data-testid="leaderboard">
            <thead>
              <tr>
                <th>Rank</th>
                <th>Model</th>
                <th>Rating</th>
                <th>95% interval</th>
                <th>Elo (k=4)</th>
                <th>Battles</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <tr key={row.model}>
                  <td>{row.rank}</td>
                  <td>{row.model}</td>
                  <td>{fmt(row.rating)}</td>
                  <td>
                    +{fmt(row.upper - row.rating)} / -{fmt(row.rating - row.lower)}
                  </td>
                  <td>{fmt(row.elo)}</td>
                  <td>{row.battles}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small muted">
            {data.totalBattles} battles counted; {data.excluded} excluded (a name leaked, or an answer failed
            or was stopped).
          </p>
          <h3>Win rate of the row model against the column model (battles)</h3>
          <table className="table">
            <thead>
              <tr>
                <th />
                {data.pairs.models.map((m) => (
                  <th key={m}>{m}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.pairs.models.map((m, i) => (
                <tr key={m}>
                  <th>{m}</th>
                  {data.pairs.models.map((_, j) => {
                    const rate = data.pairs.winRate[i][j];
                    return (
                      <td key={j}>
                        {i === j
                          ? ""
                          : `${rate === null ? "–" : `${Math.round(rate * 100)}%`} (${data.pairs.battles[i][j]})`}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {isAdmin && <ArenaAdmin />}
    </section>
  );
}

function ArenaAdmin() {
  const utils = trpc.useUtils();
  const models = trpc.playground.models.useQuery();
  const entries = trpc.arena.entries.useQuery();
  const [versionId, setVersionId] = useState("");
  const [weight, setWeight] = useState(1);
  const [message, setMessage] = useState<string | null>(null);
  const refresh = () => void utils.arena.invalidate();
  const publish = trpc.arena.publish.useMutation({ onSuccess: refresh });
  const unpublish = trpc.arena.unpublish.useMutation({ onSuccess: refresh });
  const importFile = trpc.arena.import.useMutation({
    onSuccess: ({ imported }) => {
      setMessage(`imported ${imported} battles`);
      refresh();
    },
  });
  const download = async () => {
    const { jsonl } = await utils.arena.export.fetch();
    const url = URL.createObjectURL(new Blob([jsonl], { type: "application/x-ndjson" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "arena-battles.jsonl";
    link.click();
    URL.revokeObjectURL(url);
  };
  const error = publish.error ?? unpublish.error ?? importFile.error;
  return (
    <div aria-label="Arena administration">
      <h3>Published models</h3>
      <ul className="plain">
        {entries.data?.map((e) => (
          <li key={e.versionId}>
            {e.name} · weight {e.weight} · {e.battles} battles{" "}
            <button className="button secondary" onClick={() => unpublish.mutate({ versionId: e.versionId })}>
              Unpublish
            </button>
          </li>
        ))}
      </ul>
      <div className="toolbar">
        <select
          aria-label="Version to publish"
          value={versionId}
          onChange={(e) => setVersionId(e.target.value)}
        >
          <option value="">Pick a version</option>
          {models.data?.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
        <input
          aria-label="Weight"
          type="number"
          min={0}
          step={0.5}
          value={weight}
          onChange={(e) => setWeight(Number(e.target.value))}
        />
        <button
          className="button"
          disabled={!versionId}
          onClick={() => publish.mutate({ versionId, weight })}
        >
          Publish
        </button>
      </div>
      <h3>Battles in FastChat&apos;s format</h3>
      <div className="toolbar">
        <button className="button secondary" onClick={download}>
          Export JSONL
        </button>
        <label className="button secondary">
          Import…
          <input
            type="file"
            accept=".jsonl,.json"
            hidden
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) importFile.mutate({ fileText: await file.text() });
            }}
          />
        </label>
      </div>
      {message && <p className="notice">{message}</p>}
      {error && <p className="error">{error.message}</p>}
      <RankingAnswers />
    </div>
  );
}
