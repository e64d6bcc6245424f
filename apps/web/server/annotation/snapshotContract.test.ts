// Contract: every file a frozen snapshot contains trains in the engine as written. The platform's exporter writes
// the files; the engine's own command line (a separate process: the web app never loads the engine's runtime)
// parses each one and takes one training step on it. The multi-turn prompt's preference pair is in TRL's
// conversational form, which the engine once refused.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSnapshotExport, type ExportPrompt } from "./snapshotExport";

const ENGINE = resolve(__dirname, "../../../../packages/engine/bin/engine.mjs");

const prompts: ExportPrompt[] = [
  ...Array.from({ length: 6 }, (_, i) => ({
    id: `p${i}`,
    messages: [{ role: "user" as const, content: `What is ${i} plus one?` }],
    responses: [
      { id: `p${i}-good`, text: `${i} plus one is ${i + 1}.`, sft: true },
      { id: `p${i}-bad`, text: "No idea.", sft: false },
    ],
    rankings: [[[`p${i}-good`], [`p${i}-bad`]]],
  })),
  {
    id: "multi",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "Say bye" },
    ],
    responses: [
      { id: "multi-good", text: "Bye!", sft: true },
      { id: "multi-bad", text: "Why?", sft: false },
    ],
    rankings: [[["multi-good"], ["multi-bad"]]],
  },
];

let dir: string;

function engine(...args: string[]): string {
  const result = spawnSync(process.execPath, [ENGINE, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (result.status !== 0)
    throw new Error(
      `engine ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  return result.stdout + result.stderr;
}

const lastLoss = (runDir: string) => {
  const lines = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n");
  return lines.map((line) => JSON.parse(line)).find((record) => "train/loss" in record)[
    "train/loss"
  ] as number;
};

function postTrainConfig(name: string, file: string) {
  const config = {
    baseCheckpoint: join(dir, "base", "checkpoint-1"),
    data: { train: join(dir, file), validationFraction: 0 },
    batchSize: 2,
    maxLength: 96,
    maxSteps: 1,
    logEvery: 1,
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(config));
  return join(dir, `${name}.json`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rlhf-contract-"));
  for (const file of buildSnapshotExport(prompts).files) writeFileSync(join(dir, file.name), file.content);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("snapshot files train in the engine", { timeout: 300_000 }, () => {
  it("writes the multi-turn pair in TRL's conversational form", () => {
    const pairs = readFileSync(join(dir, "preference.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(pairs.find((pair) => Array.isArray(pair.prompt))).toMatchObject({
      chosen: [{ role: "assistant", content: "Bye!" }],
      rejected: [{ role: "assistant", content: "Why?" }],
    });
  });

  it("text.jsonl: trains a tokenizer and pretrains one step", () => {
    engine(
      "tokenizer",
      "train",
      "text.jsonl",
      "-o",
      "tokenizer.json",
      "--vocab-size",
      "300",
      "--min-frequency",
      "1",
    );
    writeFileSync(
      join(dir, "pretrain.json"),
      JSON.stringify({
        model: { vocabSize: 300, width: 32, layers: 1, heads: 2, contextLength: 96 },
        batchSize: 1,
        steps: 1,
      }),
    );
    engine(
      "pretrain",
      "--data",
      "text.jsonl",
      "--text",
      "--tokenizer",
      "tokenizer.json",
      "--config",
      "pretrain.json",
      "--out",
      "base",
    );
    expect(existsSync(join(dir, "base", "checkpoint-1", "model.safetensors"))).toBe(true);
  });

  it("sft.jsonl: one SFT step", () => {
    engine("sft", "--config", postTrainConfig("sft", "sft.jsonl"), "--out", "sft");
    expect(lastLoss(join(dir, "sft"))).toBeGreaterThan(0);
  });

  it("preference.jsonl (single- and multi-turn pairs): one reward-model step and one DPO step", () => {
    engine("reward", "--config", postTrainConfig("reward", "preference.jsonl"), "--out", "reward");
    engine("dpo", "--config", postTrainConfig("dpo", "preference.jsonl"), "--out", "dpo");
    expect(lastLoss(join(dir, "reward"))).toBeGreaterThan(0);
    expect(lastLoss(join(dir, "dpo"))).toBeCloseTo(Math.log(2), 1);
  });
});
