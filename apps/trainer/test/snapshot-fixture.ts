// A small frozen snapshot on disk and in Postgres, in the files and layout the web app's snapshot writer produces
// (apps/web/server/annotation/snapshotExport.ts): arithmetic questions answered right (demonstrations, chosen) and
// wrong (rejected), so every kind has data and a model can learn something in a few steps.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PrismaClient } from "@rlhf/db";

export interface FixtureOptions {
  /** Questions (one SFT line, one text line and one preference pair each). */
  prompts?: number;
  /** Leave these files empty, with the explanation the manifest gives. */
  empty?: Partial<Record<"sft.jsonl" | "preference.jsonl" | "text.jsonl", string>>;
}

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

export function fixtureLines(prompts: number) {
  const sft: string[] = [];
  const preference: string[] = [];
  const text: string[] = [];
  for (let i = 0; i < prompts; i++) {
    const a = i % 10;
    const b = Math.floor(i / 10) % 10;
    const question = `What is ${WORDS[a]} plus ${WORDS[b]}?`;
    const right = `${WORDS[a]} plus ${WORDS[b]} is ${a + b}.`;
    const wrong = `I do not know, maybe ${a + b + 3}.`;
    const messages = [
      { role: "user", content: question },
      { role: "assistant", content: right },
    ];
    sft.push(JSON.stringify({ messages }));
    text.push(JSON.stringify({ text: `User: ${question}\n\nAssistant: ${right}` }));
    preference.push(JSON.stringify({ prompt: question, chosen: right, rejected: wrong }));
  }
  return { "sft.jsonl": sft, "preference.jsonl": preference, "text.jsonl": text };
}

/** Writes the snapshot folder under artifactsDir/snapshots/<id> and its DatasetSnapshot row. */
export async function createFixtureSnapshot(
  prisma: PrismaClient,
  artifactsDir: string,
  options: FixtureOptions = {},
): Promise<{ id: string; dir: string }> {
  const lines = fixtureLines(options.prompts ?? 60);
  const empty = options.empty ?? {};
  for (const name of Object.keys(empty) as (keyof typeof lines)[]) lines[name] = [];
  const id = randomUUID();
  const dir = join(artifactsDir, "snapshots", id);
  mkdirSync(dir, { recursive: true });
  const files = Object.entries(lines).map(([name, content]) => {
    writeFileSync(join(dir, name), content.map((line) => `${line}\n`).join(""));
    return { name, lines: content.length, sha256: "" };
  });
  const counts = Object.fromEntries(Object.entries(lines).map(([name, content]) => [name, content.length]));
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({ id: id, name: "fixture", counts, files, explanations: empty }),
  );
  await prisma.datasetSnapshot.create({
    data: { id: id, name: "fixture", filters: {}, counts, files, contentHash: "fixture", artifactPath: dir },
  });
  return { id, dir };
}
