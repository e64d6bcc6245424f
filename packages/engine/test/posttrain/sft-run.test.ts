import { existsSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { registerGenerateCommand } from "../../src/cli/commands/generate.js";
import { Generator } from "../../src/generate/generator.js";
import { readSafetensors } from "../../src/io/safetensors.js";
import { demonstrations } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import {
  TINY_MODEL,
  expectExactResume,
  recordJob,
  tempDir,
  tinyBaseCheckpoint,
  writeJsonl,
} from "./helpers.js";

describe("runJob sft", () => {
  const root = tempDir("sft-run");
  const base = tinyBaseCheckpoint(root);
  const train = writeJsonl(join(root, "train.jsonl"), demonstrations(new Rng(1), 48, 0.5));
  const config = (extra: Record<string, unknown> = {}) => ({
    baseCheckpoint: base,
    data: { train, validationFraction: 0.25 },
    learningRate: 3e-3,
    batchSize: 4,
    maxSteps: 6,
    logEvery: 1,
    evalEvery: 3,
    saveEvery: 3,
    ...extra,
  });

  it("lowers the loss on assistant tokens, evaluates and checkpoints", async () => {
    const run = await recordJob("sft", config(), join(root, "a"));
    expect(run.result).toMatchObject({ status: "completed", step: 6, totalSteps: 6 });
    expect(run.losses.length).toBe(6);
    expect(run.losses[5]).toBeLessThan(run.losses[0]);
    const evals = run.records.flatMap((r) => r.metrics["eval/loss"] ?? []);
    expect(evals.length).toBe(2);
    expect(evals[1]).toBeLessThan(evals[0]);
    expect(existsSync(join(root, "a", "checkpoint-6", "model.safetensors"))).toBe(true);
    expect(run.result.bestCheckpoint).toBe(join(root, "a", "best"));
  });

  it("cancels through its signal and resumes bit for bit, with gradient accumulation", async () => {
    await expectExactResume("sft", () => config({ microBatches: 2 }), tempDir("sft-resume"), 2);
  });

  it("accumulates micro-batches to the loss of the whole batch", async () => {
    const whole = await recordJob("sft", config({ maxSteps: 2 }), tempDir("sft-mb1"));
    const split = await recordJob("sft", config({ maxSteps: 2, microBatches: 4 }), tempDir("sft-mb4"));
    expect(split.losses[0]).toBeCloseTo(whole.losses[0], 5);
    expect(split.losses[1]).toBeCloseTo(whole.losses[1], 4);
  });

  it("generates from its checkpoints with `engine generate --model <run folder>`", async () => {
    const runDir = join(root, "generate");
    await recordJob("sft", config({ maxSteps: 3 }), runDir);
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => written.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const program = new Command().exitOverride();
      registerGenerateCommand(program);
      await program.parseAsync(
        ["generate", "--model", runDir, "--prompt", "Hi", "--max-new-tokens", "8", "--temperature", "0"],
        { from: "user" },
      );
    } finally {
      vi.restoreAllMocks();
    }
    // the same greedy tokens as a Generator over the best checkpoint's weights (byte-level ids are bytes)
    const weights = readSafetensors(join(runDir, "best", "model.safetensors")).tensors;
    const generator = new Generator(
      TINY_MODEL,
      Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, t.data as Float32Array])),
      { threads: 1 },
    );
    const expected = await generator.generate([...Buffer.from("Hi")], { maxNewTokens: 8 });
    await generator.release();
    expect(expected.tokens.length).toBe(8);
    expect(expected.tokens.every((t) => t < 256)).toBe(true);
    expect(written.join("")).toBe("Hi" + new TextDecoder().decode(Uint8Array.from(expected.tokens)) + "\n");
  });

  it("trains packed conversations", async () => {
    const run = await recordJob(
      "sft",
      config({ packing: true, batchSize: 2, maxSteps: 3 }),
      join(root, "packed"),
    );
    expect(run.losses[2]).toBeLessThan(run.losses[0]);
  });
});
