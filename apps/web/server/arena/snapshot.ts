/**
 * Arena votes as training data in a snapshot (the snapshot writer in annotation/datasets.ts calls
 * withArenaVotes on its export):
 *   preference.jsonl  an A or B vote gives {"prompt","chosen","rejected"}: the winner's answer is chosen. A
 *                     single-turn battle is written with strings; a multi-turn one in TRL's conversational form:
 *                     the prompt is the first user turn, chosen and rejected are each side's whole continuation
 *                     (the two sides' histories differ after the first answer, so nothing later is shared).
 *   negative.jsonl    "both bad" gives each answer as a negative label, TRL's unpaired (KTO) form
 *                     {"prompt","completion","label": false}.
 * Ties give nothing. Only counted battles go in (voted, not excluded by the arena's hygiene rules), ordered by
 * id, so the same votes always give the same files. The counts name each source of preference pairs.
 */
import type { ArenaVote } from "@rlhf/db";
import type { ChatMessage } from "../annotation/content";
import { sha256 } from "../annotation/contentHash";
import type { Tx } from "../annotation/idempotency";
import type { SnapshotFilters } from "../annotation/inputs";
import type { SnapshotExport } from "../annotation/snapshotExport";

export interface VotedBattle {
  id: string;
  vote: ArenaVote;
  conversationA: ChatMessage[];
  conversationB: ChatMessage[];
}

/** The shared first user turn (everything before the first answer) and each side's continuation after it. */
function split(battle: VotedBattle) {
  const firstAnswer = battle.conversationA.findIndex((m) => m.role === "assistant");
  const prompt = battle.conversationA.slice(0, firstAnswer);
  return { prompt, a: battle.conversationA.slice(firstAnswer), b: battle.conversationB.slice(firstAnswer) };
}

/** A single message renders as its text (the plain form), anything longer as messages (conversational). */
function forms(prompt: ChatMessage[], a: ChatMessage[], b: ChatMessage[]) {
  const plain = prompt.length === 1 && a.length === 1 && b.length === 1;
  return plain
    ? { prompt: prompt[0].content, a: a[0].content, b: b[0].content }
    : { prompt: prompt as unknown, a: a as unknown, b: b as unknown };
}

export function arenaTrainingLines(battles: VotedBattle[]): { preference: string[]; negative: string[] } {
  const preference: string[] = [];
  const negative: string[] = [];
  for (const battle of [...battles].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
    const parts = split(battle);
    const { prompt, a, b } = forms(parts.prompt, parts.a, parts.b);
    if (battle.vote === "A") preference.push(JSON.stringify({ prompt, chosen: a, rejected: b }));
    if (battle.vote === "B") preference.push(JSON.stringify({ prompt, chosen: b, rejected: a }));
    if (battle.vote === "BOTH_BAD")
      for (const completion of [a, b]) negative.push(JSON.stringify({ prompt, completion, label: false }));
  }
  return { preference, negative };
}

async function countedBattles(db: Tx, filters: SnapshotFilters): Promise<VotedBattle[]> {
  const rows = await db.arenaBattle.findMany({
    where: {
      vote: { not: null },
      excludedReason: null,
      ...(filters.languages.length > 0 && { language: { in: filters.languages } }),
      votedAt: {
        ...(filters.createdFrom && { gte: new Date(filters.createdFrom) }),
        ...(filters.createdTo && { lte: new Date(filters.createdTo) }),
      },
    },
    select: { id: true, vote: true, conversationA: true, conversationB: true },
  });
  return rows
    .filter((r) => r.conversationA && r.conversationB)
    .map((r) => ({
      id: r.id,
      vote: r.vote!,
      conversationA: r.conversationA as unknown as ChatMessage[],
      conversationB: r.conversationB as unknown as ChatMessage[],
    }));
}

const fileOf = (name: string, lines: string[]) => {
  const content = lines.map((line) => `${line}\n`).join("");
  return { name, content, lines: lines.length, sha256: sha256(content) };
};

export type ExportWithArena = Omit<SnapshotExport, "files" | "counts"> & {
  files: { name: string; content: string; lines: number; sha256: string }[];
  counts: Record<string, number>;
};

/**
 * The export with the arena's counted votes added (those voted within the filters' dates and, when the filters
 * name languages, in one of them). Without any it is the export unchanged, so snapshots of annotation data alone
 * keep their content hash.
 */
export async function withArenaVotes(
  db: Tx,
  filters: SnapshotFilters,
  exported: SnapshotExport,
): Promise<ExportWithArena> {
  const { preference, negative } = arenaTrainingLines(await countedBattles(db, filters));
  if (preference.length === 0 && negative.length === 0) return exported;
  const files = exported.files.map((f) =>
    f.name === "preference.jsonl"
      ? fileOf(f.name, [...f.content.split("\n").filter(Boolean), ...preference])
      : f,
  );
  if (negative.length > 0) files.push(fileOf("negative.jsonl", negative));
  return {
    files,
    counts: {
      ...exported.counts,
      preference: exported.counts.preference + preference.length,
      "preference/rankings": exported.counts.preference,
      "preference/arena": preference.length,
      "negative/arena": negative.length,
    },
    contentHash: sha256(files.map((f) => `${f.name}\n${f.sha256}\n`).join("")),
  };
}
