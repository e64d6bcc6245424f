import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSpecSchema, type RunSpecInput } from "@rlhf/shared";
import { createTestDatabase, type TestDatabase } from "../src/test-support";
import { moveAlias, registerModelVersion } from "../src/registry";
import { createRun, RunInputError, runDataLines, validateRunInputs } from "../src/runs";

let database: TestDatabase;
let root: string;

beforeAll(async () => {
  database = await createTestDatabase();
  root = mkdtempSync(join(tmpdir(), "rlhf-db-runs-"));
});
afterAll(async () => {
  await database.drop();
  rmSync(root, { recursive: true, force: true });
});

const CHAT = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

/** A model folder as far as the platform reads it: engine_config.json and tokenizer.json (no weights needed). */
function modelFolder(name: string, opts: { vocabSize: number; tokenizerIds: number; specials?: string[] }) {
  const dir = join(root, "models", name);
  mkdirSync(dir, { recursive: true });
  const model = {
    preset: "gpt2-style",
    vocabSize: opts.vocabSize,
    contextLength: 64,
    width: 32,
    layers: 1,
    heads: 2,
  };
  writeFileSync(join(dir, "engine_config.json"), JSON.stringify({ format: "rlhf-engine/pretrain", model }));
  const specials = opts.specials ?? CHAT;
  const vocab = Object.fromEntries(
    Array.from({ length: opts.tokenizerIds - specials.length }, (_, i) => [`t${i}`, i]),
  );
  const added = specials.map((content, i) => ({
    id: opts.tokenizerIds - specials.length + i,
    content,
    special: true,
  }));
  writeFileSync(
    join(dir, "tokenizer.json"),
    JSON.stringify({ model: { type: "BPE", vocab }, added_tokens: added }),
  );
  return dir;
}

async function snapshot(lines: { sft?: number; preference?: number; explanations?: Record<string, string> }) {
  const id = `snap-${Math.random().toString(36).slice(2)}`;
  const dir = join(root, "snapshots", id);
  mkdirSync(dir, { recursive: true });
  const prompts = (n: number) => Array.from({ length: n }, (_, i) => `Question number ${i}?`);
  const sft = prompts(lines.sft ?? 0).map((q) =>
    JSON.stringify({
      messages: [
        { role: "user", content: q },
        { role: "assistant", content: "An answer." },
      ],
    }),
  );
  const pairs = prompts(lines.preference ?? 0).map((q) =>
    JSON.stringify({ prompt: q, chosen: "Yes.", rejected: "No." }),
  );
  writeFileSync(join(dir, "sft.jsonl"), sft.map((l) => `${l}\n`).join(""));
  writeFileSync(join(dir, "preference.jsonl"), pairs.map((l) => `${l}\n`).join(""));
  writeFileSync(join(dir, "text.jsonl"), "");
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({ id, name: id, explanations: lines.explanations ?? {} }),
  );
  await database.prisma.datasetSnapshot.create({
    data: { id, name: id, filters: {}, counts: {}, files: [], contentHash: id, artifactPath: dir },
  });
  return id;
}

async function version(name: string, kind: "BASE" | "SFT" | "REWARD", dir: string) {
  return (await registerModelVersion(database.prisma, { modelName: name, kind, artifactDir: dir })).id;
}

async function expectRefused(spec: RunSpecInput, field: string, message: RegExp) {
  const before = await database.prisma.trainingRun.count();
  const error = await createRun(database.prisma, runSpecSchema.parse(spec), null).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RunInputError);
  expect((error as RunInputError).field).toBe(field);
  expect((error as Error).message).toMatch(message);
  expect(await database.prisma.trainingRun.count()).toBe(before);
}

describe("validateRunInputs", () => {
  it("refuses inputs that cannot work, naming the problem, and writes no run", async () => {
    const good = await version(
      "good-base",
      "BASE",
      modelFolder("good", { vocabSize: 300, tokenizerIds: 300 }),
    );
    const noChat = await version(
      "no-chat",
      "BASE",
      modelFolder("no-chat", { vocabSize: 300, tokenizerIds: 300, specials: ["<|endoftext|>"] }),
    );
    const tooSmall = await version(
      "too-small",
      "BASE",
      modelFolder("small", { vocabSize: 256, tokenizerIds: 300 }),
    );
    const otherVocab = await version(
      "rm-other",
      "REWARD",
      modelFolder("rm-other", { vocabSize: 400, tokenizerIds: 400 }),
    );
    const onlySft = await snapshot({
      sft: 40,
      explanations: { "preference.jsonl": "no prompt has two ranked answers yet" },
    });
    const onlyPairs = await snapshot({ preference: 40 });

    await expectRefused(
      { kind: "dpo", snapshotId: onlySft, baseModelVersionId: good },
      "snapshotId",
      /no preference pairs.*no prompt has two ranked answers yet/,
    );
    await expectRefused(
      { kind: "reward", snapshotId: onlySft, baseModelVersionId: good },
      "snapshotId",
      /no preference pairs/,
    );
    await expectRefused(
      { kind: "sft", snapshotId: onlyPairs, baseModelVersionId: good },
      "snapshotId",
      /no SFT demonstrations/,
    );
    await expectRefused(
      { kind: "sft", snapshotId: onlySft, baseModelVersionId: noChat },
      "baseModelVersionId",
      /no chat tokens \(<\|im_start\|>, <\|im_end\|>\)/,
    );
    await expectRefused(
      { kind: "sft", snapshotId: onlySft, baseModelVersionId: tooSmall },
      "baseModelVersionId",
      /vocabulary of too-small v1 does not match.*ids up to 299.*256 rows/,
    );
    await expectRefused(
      { kind: "sft", snapshotId: onlySft, baseModelVersionId: good, config: { maxLength: 512 } },
      "config.maxLength",
      /512 tokens exceed the context length 64/,
    );
    await expectRefused(
      { kind: "sft", snapshotId: onlySft, baseModelVersionId: good, config: { batchSize: 64 } },
      "config.batchSize",
      /fewer than one batch of 64/,
    );
    await expectRefused(
      {
        kind: "ppo",
        snapshotId: onlySft,
        baseModelVersionId: good,
        rewardModelVersionId: noChat,
        config: { maxLength: 64 },
      },
      "rewardModelVersionId",
      /is not a reward model/,
    );
    await expectRefused(
      {
        kind: "ppo",
        snapshotId: onlySft,
        baseModelVersionId: good,
        rewardModelVersionId: otherVocab,
        config: { maxLength: 64 },
      },
      "rewardModelVersionId",
      /vocabulary of rm-other v1 \(400\) does not match the policy's \(300\)/,
    );
    await expectRefused(
      {
        kind: "ppo",
        backend: "torch",
        snapshotId: onlySft,
        baseModelVersionId: good,
        rewardModelVersionId: otherVocab,
      },
      "backend",
      /the torch backend does not train PPO/,
    );
    await expectRefused(
      { kind: "sft", snapshotId: "nope", baseModelVersionId: good },
      "snapshotId",
      /no snapshot nope/,
    );
    await expectRefused(
      { kind: "sft", snapshotId: onlySft, baseModelVersionId: "missing" },
      "baseModelVersionId",
      /no model version missing/,
    );

    const run = await createRun(
      database.prisma,
      runSpecSchema.parse({
        kind: "sft",
        snapshotId: onlySft,
        baseModelVersionId: good,
        config: { maxLength: 64 },
      }),
      null,
    );
    expect(run).toMatchObject({
      status: "PENDING",
      kind: "sft",
      outputModelName: "sft",
      baseModelVersionId: good,
    });
  });

  it("splits a snapshot by prompt, the same way every time, keeping a prompt's lines on one side", async () => {
    const id = await snapshot({ sft: 200, preference: 200 });
    const dir = join(root, "snapshots", id);
    const sft = runDataLines(dir, "sft");
    const pairs = runDataLines(dir, "dpo");
    expect(sft.validation.length).toBeGreaterThan(5);
    expect(sft.validation.length).toBeLessThan(40);
    const heldOut = (lines: Record<string, unknown>[]) =>
      lines.map((l) => JSON.stringify(l.prompt ?? (l.messages as { content: string }[])[0].content));
    expect(heldOut(pairs.validation)).toEqual(heldOut(sft.validation));
    expect(runDataLines(dir, "sft")).toEqual(sft);
    const resolved = await validateRunInputs(
      database.prisma,
      runSpecSchema.parse({
        kind: "ppo",
        snapshotId: id,
        baseModelVersionId: "x",
        rewardModelVersionId: "y",
      }),
    ).catch((e: RunInputError) => e.field);
    expect(resolved).toBe("baseModelVersionId");
  });
});

describe("model registry", () => {
  it("numbers concurrent versions 1..n without gaps and keeps one kind per model", async () => {
    const dir = modelFolder("race", { vocabSize: 300, tokenizerIds: 300 });
    const versions = await Promise.all(
      Array.from({ length: 6 }, () =>
        registerModelVersion(database.prisma, { modelName: "race", kind: "SFT", artifactDir: dir }),
      ),
    );
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(
      registerModelVersion(database.prisma, { modelName: "race", kind: "REWARD", artifactDir: dir }),
    ).rejects.toThrow(/"race" is a SFT model; a REWARD model needs another name/);
  });

  it("moves an alias and audits where it pointed before", async () => {
    const dir = modelFolder("aliased", { vocabSize: 300, tokenizerIds: 300 });
    const v1 = await version("aliased", "BASE", dir);
    const v2 = await version("aliased", "BASE", dir);
    await moveAlias(database.prisma, { versionId: v1, alias: "champion", actorId: null });
    const moved = await moveAlias(database.prisma, { versionId: v2, alias: "champion", actorId: null });
    expect(moved.versionId).toBe(v2);
    const audit = await database.prisma.auditLog.findMany({
      where: { action: "model.alias.move" },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => a.details)).toEqual([
      { alias: "champion", fromVersionId: null, toVersionId: v1 },
      { alias: "champion", fromVersionId: v1, toVersionId: v2 },
    ]);
    await expect(
      moveAlias(database.prisma, { versionId: v1, alias: "Bad Alias", actorId: null }),
    ).rejects.toThrow(/not a valid alias/);
  });
});
