"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";

/** Admins: have models answer prompts that need more answers; the answers join the ranking queue, unnamed. */
export function RankingAnswers() {
  const models = trpc.playground.models.useQuery();
  const [chosen, setChosen] = useState<string[]>([]);
  const [fewerThan, setFewerThan] = useState(4);
  const [limit, setLimit] = useState(20);
  const request = trpc.arena.generateAnswers.useMutation();
  const jobId = request.data?.jobId;
  const status = trpc.arena.answersStatus.useQuery(
    { jobId: jobId ?? "" },
    {
      enabled: Boolean(jobId),
      refetchInterval: (q) =>
        q.state.data?.state === "completed" || q.state.data?.state === "failed" ? false : 1000,
    },
  );
  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));
  return (
    <div aria-label="Model answers for ranking">
      <h3>Model answers for ranking tasks</h3>
      <div className="params">
        {models.data?.map((m) => (
          <label key={m.id}>
            <input type="checkbox" checked={chosen.includes(m.id)} onChange={() => toggle(m.id)} />
            {m.name}
          </label>
        ))}
        <label>
          Prompts with fewer answers than
          <input
            type="number"
            min={1}
            max={12}
            value={fewerThan}
            onChange={(e) => setFewerThan(Number(e.target.value))}
          />
        </label>
        <label>
          At most prompts
          <input
            type="number"
            min={1}
            max={500}
            value={limit}
            onChange={(e) => setLimit(Number(e.target.value))}
          />
        </label>
        <button
          className="button"
          disabled={chosen.length === 0 || request.isPending}
          onClick={() => request.mutate({ versionIds: chosen, fewerThan, limit })}
        >
          Generate answers
        </button>
      </div>
      {request.data && (
        <p className="notice" role="status">
          {request.data.answers} answers to {request.data.prompts} prompts: {status.data?.state ?? "queued"}
          {status.data?.state === "active" && ` (${status.data.progress}%)`}
          {status.data?.result && `, ${status.data.result.created} added to the ranking queue`}
          {status.data?.error && `: ${status.data.error}`}
        </p>
      )}
      {request.error && <p className="error">{request.error.message}</p>}
    </div>
  );
}
