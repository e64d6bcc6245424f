// Test helpers for the run and registry routers: snapshots frozen through the real datasets router, and model
// folders described the way the run checks read them (sizes and tokenizer only: these tests start no training).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PrismaClient } from "@rlhf/db";
import { registerModelVersion } from "@rlhf/db/registry";
import type { ModelKind } from "@rlhf/shared";
import { sid, type Caller } from "./test-callers";

/** Prompts with one imported (non-model) answer each: they become SFT demonstrations. */
export function demonstrationsJsonl(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ prompt: `${tag} question ${i}?`, responses: [{ text: `${tag} answer ${i}.` }] }),
  ).join("\n");
}

/** Imports the lines as an admin and freezes a snapshot of everything accepted so far; returns its id. */
export async function freezeSnapshot(admin: Caller, name: string, jsonl?: string): Promise<string> {
  if (jsonl) await admin.datasets.importJsonl({ submissionId: sid(), fileText: jsonl });
  const { snapshotId } = await admin.datasets.createSnapshot({ submissionId: sid(), name });
  return snapshotId;
}

export interface FolderOptions {
  vocabSize?: number;
  contextLength?: number;
  /** Whether the tokenizer has the ChatML tokens post-training needs. */
  chatTokens?: boolean;
}

/** A model folder with an engine config and a tokenizer.json of `vocabSize` ids. */
export function writeModelFolder(dir: string, options: FolderOptions = {}): string {
  const { vocabSize = 64, contextLength = 128, chatTokens = true } = options;
  mkdirSync(dir, { recursive: true });
  const special = chatTokens ? ["<|im_start|>", "<|im_end|>"] : [];
  const vocab = Object.fromEntries(
    Array.from({ length: vocabSize - special.length }, (_, i) => [`t${i}`, i]),
  );
  const added = special.map((content, i) => ({ id: vocabSize - special.length + i, content, special: true }));
  writeFileSync(
    join(dir, "engine_config.json"),
    JSON.stringify({
      model: { preset: "gpt2-style", vocabSize, contextLength, width: 32, layers: 1, heads: 2 },
    }),
  );
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "gpt2", vocab_size: vocabSize }));
  writeFileSync(join(dir, "model.safetensors"), "weights are not read by these tests");
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ model: { vocab }, added_tokens: added }));
  return dir;
}

/** Registers a folder as a new version of `name`; returns the version id. */
export async function registerFolder(
  prisma: PrismaClient,
  dir: string,
  name: string,
  kind: ModelKind = "BASE",
  extra: { runId?: string; parentVersionId?: string; snapshotId?: string } = {},
): Promise<string> {
  return (await registerModelVersion(prisma, { modelName: name, kind, artifactDir: dir, ...extra })).id;
}
