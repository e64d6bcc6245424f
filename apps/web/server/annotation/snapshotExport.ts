/**
 * Turns the accepted data a snapshot selected into the JSONL files trainers read:
 *   sft.jsonl         {"messages": [...prompt turns, {"role": "assistant", "content": answer}]} per SFT answer
 *   preference.jsonl  {"prompt", "chosen", "rejected"}: every pair implied by the prompt's consensus ranking
 *                     (Bradley-Terry over all its rankings; tied answers give no pair). A single-turn prompt is a
 *                     string and the answers strings; a multi-turn prompt uses TRL's conversational form (lists of
 *                     messages), so no conversation is flattened away.
 *   text.jsonl        {"text"} per SFT conversation, turns as "Role: content" paragraphs, for pretraining
 * Output is deterministic (prompts and answers sorted by id, keys in a fixed order), so equal data always gets
 * the same sha256 content hash.
 */
import type { ChatMessage } from "./content";
import { sha256 } from "./contentHash";
import { bradleyTerryConsensus } from "./consensus";
import { type Ranking, rankingToPreferencePairs } from "./ranking";

export interface ExportResponse {
  id: string;
  text: string;
  /** Whether this answer is a demonstration worth imitating (goes to sft.jsonl and text.jsonl). */
  sft: boolean;
}

export interface ExportPrompt {
  id: string;
  messages: ChatMessage[];
  responses: ExportResponse[];
  /** Every ranking of this prompt's answers; ids of answers not exported are dropped from them. */
  rankings: Ranking[];
}

export const SNAPSHOT_FILES = ["sft.jsonl", "preference.jsonl", "text.jsonl"] as const;
export type SnapshotFileName = (typeof SNAPSHOT_FILES)[number];

export interface SnapshotFile {
  name: SnapshotFileName;
  content: string;
  lines: number;
  sha256: string;
}

export interface SnapshotExport {
  files: SnapshotFile[];
  counts: {
    prompts: number;
    responses: number;
    rankings: number;
    sft: number;
    preference: number;
    text: number;
  };
  /** sha256 over each file's name and hash, in SNAPSHOT_FILES order. */
  contentHash: string;
}

function byId<T extends { id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Keeps only exported answers in a ranking; groups that empty out disappear. */
function restrictRanking(ranking: Ranking, keep: ReadonlySet<string>): string[][] {
  return ranking.map((group) => group.filter((id) => keep.has(id))).filter((group) => group.length > 0);
}

export function consensusPairs(prompt: ExportPrompt): { chosen: string; rejected: string }[] {
  const keep = new Set(prompt.responses.map((r) => r.id));
  const rankings = prompt.rankings
    .map((ranking) => restrictRanking(ranking, keep))
    .filter((ranking) => ranking.flat().length >= 2);
  if (rankings.length === 0) return [];
  return rankingToPreferencePairs(bradleyTerryConsensus(rankings.map((ranking) => ({ ranking }))).ranking);
}

function renderText(messages: readonly ChatMessage[]): string {
  const roleName = { system: "System", user: "User", assistant: "Assistant" } as const;
  return messages.map((m) => `${roleName[m.role]}: ${m.content}`).join("\n\n");
}

function preferenceLine(messages: ChatMessage[], chosen: string, rejected: string): string {
  if (messages.length === 1) return JSON.stringify({ prompt: messages[0].content, chosen, rejected });
  const answer = (content: string) => [{ role: "assistant", content }];
  return JSON.stringify({ prompt: messages, chosen: answer(chosen), rejected: answer(rejected) });
}

function file(name: SnapshotFileName, lines: string[]): SnapshotFile {
  const content = lines.map((line) => `${line}\n`).join("");
  return { name, content, lines: lines.length, sha256: sha256(content) };
}

export function buildSnapshotExport(prompts: readonly ExportPrompt[]): SnapshotExport {
  const sft: string[] = [];
  const text: string[] = [];
  const preference: string[] = [];
  let rankings = 0;
  let responses = 0;
  for (const prompt of byId(prompts)) {
    const answers = byId(prompt.responses);
    responses += answers.length;
    rankings += prompt.rankings.length;
    for (const answer of answers.filter((a) => a.sft)) {
      const conversation: ChatMessage[] = [...prompt.messages, { role: "assistant", content: answer.text }];
      sft.push(JSON.stringify({ messages: conversation }));
      text.push(JSON.stringify({ text: renderText(conversation) }));
    }
    const textOf = new Map(answers.map((a) => [a.id, a.text]));
    for (const { chosen, rejected } of consensusPairs(prompt)) {
      preference.push(preferenceLine(prompt.messages, textOf.get(chosen)!, textOf.get(rejected)!));
    }
  }
  const files = [file("sft.jsonl", sft), file("preference.jsonl", preference), file("text.jsonl", text)];
  return {
    files,
    counts: {
      prompts: prompts.length,
      responses,
      rankings,
      sft: sft.length,
      preference: preference.length,
      text: text.length,
    },
    contentHash: sha256(files.map((f) => `${f.name}\n${f.sha256}\n`).join("")),
  };
}
