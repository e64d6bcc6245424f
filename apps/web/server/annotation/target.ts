/**
 * Items that labels, reviews, tasks and edits point at: a prompt, an answer or a ranking. Stored as one
 * "kind:id" column beside the real foreign key, so a single unique index covers every kind.
 */
export type ItemRef =
  { kind: "prompt"; id: string } | { kind: "response"; id: string } | { kind: "ranking"; id: string };

export function targetKey(item: ItemRef): string {
  return `${item.kind}:${item.id}`;
}

/** The foreign-key columns of a row about this item. */
export function targetColumns(item: ItemRef): { promptId?: string; responseId?: string; rankingId?: string } {
  if (item.kind === "prompt") return { promptId: item.id };
  if (item.kind === "response") return { responseId: item.id };
  return { rankingId: item.id };
}
