"use client";

import { useRef, useState } from "react";
import { trpc } from "@/lib/trpc";
import type { Flag } from "@/server/annotation/quality";
import type { Groups } from "@/server/annotation/rankingMoves";
import { Conversation } from "./Conversation";
import { errorText } from "./errorText";
import { Guidelines } from "./Guidelines";
import { RankingBoard } from "./RankingBoard";
import { useShortcuts } from "./shortcuts";
import { SkipTask } from "./SkipTask";
import { useSubmissionId } from "./useSubmissionId";
import { useSubmitted } from "./useSubmitted";
import { NO_TASK_TEXT, useTask } from "./useTask";

export function RankTask() {
  const { result, loading, error, load } = useTask("RANK");
  const [edits, setEdits] = useState<{ taskId: string; groups: Groups } | null>(null);
  const [flags, setFlags] = useState<Record<string, Flag[]>>({});
  const [submissionId, renewSubmissionId] = useSubmissionId();
  const submitted = useSubmitted();
  const submit = trpc.annotation.submitRanking.useMutation({
    onSuccess: () => {
      setEdits(null);
      setFlags({});
      renewSubmissionId();
      submitted.notify("Ranking");
      load();
    },
  });
  const send = useRef<() => void>(() => {});
  const help = useShortcuts([{ key: "Ctrl+Enter", does: "submit the ranking", run: () => send.current() }]);
  if (loading) return <p className="muted">Finding answers to rank…</p>;
  if (error) return <p className="error">{errorText(error)}</p>;
  if (!result?.task)
    return (
      <>
        <p className="notice">
          {NO_TASK_TEXT[result && "reason" in result ? result.reason : "nothing-available"]}
        </p>
        {submitted.view}
      </>
    );
  const task = result.task;
  // Until the first move, the answers stand in the order they were given, each on its own.
  const groups = edits?.taskId === task.id ? edits.groups : task.responses.map((r) => [r.id]);
  const labels = Object.fromEntries(
    Object.entries(flags)
      .filter(([, f]) => f.length > 0)
      .map(([id, f]) => [id, { flags: f }]),
  );
  send.current = () => submit.mutate({ submissionId, taskId: task.id, ranking: groups, labels });
  return (
    <section className="card">
      <h1>Rank the answers</h1>
      {submitted.view}
      <Guidelines kind="RANK" />
      <Conversation messages={task.prompt.messages} />
      <RankingBoard
        answers={task.responses}
        groups={groups}
        onGroupsChange={(next) => setEdits({ taskId: task.id, groups: next })}
        flags={flags}
        onFlagsChange={(id, next) => setFlags({ ...flags, [id]: next })}
      />
      <button
        className="button"
        type="button"
        data-action="submit-ranking"
        disabled={submit.isPending}
        onClick={() => send.current()}
      >
        {submit.isPending ? "Saving…" : "Submit ranking"}
      </button>
      <p role="alert" className="error">
        {errorText(submit.error)}
      </p>
      <SkipTask taskId={task.id} onSkipped={load} />
      {help}
    </section>
  );
}
