// A run's view of a frozen snapshot: which file each kind trains on, and a deterministic train/validation split
// by prompt, so every run and every evaluation of one snapshot hold out the same prompts (a prompt's SFT lines
// and preference pairs always land on the same side).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunKind } from "@rlhf/shared";

/** Share of a snapshot's prompts held out for validation and evaluation. */
export const VALIDATION_FRACTION = 0.1;

export const SNAPSHOT_FILES = ["sft.jsonl", "preference.jsonl", "text.jsonl"] as const;
export type SnapshotFileName = (typeof SNAPSHOT_FILES)[number];

export interface SnapshotManifest {
  id: string;
  name: string;
  counts: Record<string, number>;
  files: { name: string; lines: number; sha256: string }[];
  /** Why a file is empty (written by the snapshot writer), e.g. imported model answers go to ranking. */
  explanations?: Partial<Record<SnapshotFileName, string>>;
}

/** What each kind reads: a snapshot file, or (PPO) the prompts of its SFT and preference lines. */
export const RUN_DATA = {
  pretrain: { files: ["text.jsonl"], what: "texts (text.jsonl)" },
  sft: { files: ["sft.jsonl"], what: "SFT demonstrations (sft.jsonl)" },
  reward: { files: ["preference.jsonl"], what: "preference pairs (preference.jsonl)" },
  dpo: { files: ["preference.jsonl"], what: "preference pairs (preference.jsonl)" },
  ppo: { files: ["sft.jsonl", "preference.jsonl"], what: "prompts (from sft.jsonl or preference.jsonl)" },
} as const satisfies Record<RunKind, { files: readonly SnapshotFileName[]; what: string }>;

export function readSnapshotManifest(dir: string): SnapshotManifest {
  const path = join(dir, "manifest.json");
  if (!existsSync(path)) throw new Error(`snapshot folder ${dir} has no manifest.json`);
  return JSON.parse(readFileSync(path, "utf8")) as SnapshotManifest;
}

type Message = { role: string; content: string };
type Line = Record<string, unknown>;

function readLines(dir: string, file: SnapshotFileName): Line[] {
  const path = join(dir, file);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Line);
}

const asMessages = (prompt: unknown): Message[] =>
  typeof prompt === "string" ? [{ role: "user", content: prompt }] : (prompt as Message[]);

/** The conversation a line answers: everything before the last assistant turn, or the pair's prompt. */
export function linePrompt(line: Line): Message[] | null {
  if (Array.isArray(line.messages)) {
    const messages = line.messages as Message[];
    const last = messages.map((m) => m.role).lastIndexOf("assistant");
    return last > 0 ? messages.slice(0, last) : messages;
  }
  if (line.prompt !== undefined) return asMessages(line.prompt);
  return null;
}

/** Which side of the split a prompt (or, for text lines, a text) is on: by hash, stable across runs. */
export function isValidationKey(key: string): boolean {
  const hash = createHash("sha256").update(key).digest();
  return hash.readUInt32BE(0) / 2 ** 32 < VALIDATION_FRACTION;
}

const splitKey = (line: Line) => {
  const prompt = linePrompt(line);
  return prompt ? JSON.stringify(prompt) : String(line.text ?? JSON.stringify(line));
};

export interface SplitLines {
  train: Line[];
  validation: Line[];
}

/** The lines a run of `kind` trains and validates on (PPO: unique `{"prompt"}` records). */
export function runDataLines(snapshotDir: string, kind: RunKind): SplitLines {
  let lines: Line[];
  if (kind === "ppo") {
    const prompts = new Map<string, Line>();
    for (const file of RUN_DATA.ppo.files)
      for (const line of readLines(snapshotDir, file)) {
        const prompt = linePrompt(line);
        if (prompt) prompts.set(JSON.stringify(prompt), { prompt });
      }
    lines = [...prompts.values()];
  } else lines = RUN_DATA[kind].files.flatMap((file) => readLines(snapshotDir, file));
  const split: SplitLines = { train: [], validation: [] };
  for (const line of lines) (isValidationKey(splitKey(line)) ? split.validation : split.train).push(line);
  return split;
}

/** The held-out lines of one snapshot file (evaluation reads these). */
export function validationLines(snapshotDir: string, file: SnapshotFileName): Line[] {
  return readLines(snapshotDir, file).filter((line) => isValidationKey(splitKey(line)));
}

export interface RunDataFiles {
  train: string;
  /** null when the split holds nothing out (a very small snapshot): the job then runs without evaluation. */
  validation: string | null;
  trainCount: number;
  validationCount: number;
}

/** Writes the run's split under workDir/data (the same bytes on every attempt). */
export function writeRunData(snapshotDir: string, kind: RunKind, workDir: string): RunDataFiles {
  const split = runDataLines(snapshotDir, kind);
  const dir = join(workDir, "data");
  mkdirSync(dir, { recursive: true });
  const write = (name: string, lines: Line[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
    return path;
  };
  return {
    train: write("train.jsonl", split.train),
    validation: split.validation.length > 0 ? write("validation.jsonl", split.validation) : null,
    trainCount: split.train.length,
    validationCount: split.validation.length,
  };
}
