import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { registerGenerateCommand } from "../../src/cli/commands/generate.js";
import { Generator } from "../../src/generate/generator.js";
import { readSafetensors } from "../../src/io/safetensors.js";
import { trainSft } from "../../src/posttrain/sft.js";
import { demonstrations } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { TINY_MODEL, tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

describe("engine sft", () => {
  const root = tempDir("sft-run");
  const base = tinyBaseCheckpoint(root);
  const train = writeJsonl(join(root, "train.jsonl"), demonstrations(new Rng(1), 48, 0.5));
  const config = (outDir: string, extra: Record<string, unknown> = {}) => ({
    baseCheckpoint: base,
    outDir,
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
    const evals: number[] = [];
    const result = await trainSft(config(join(root, "a")), {
      onMetrics: (_s, m) => m["eval/loss"] !== undefined && evals.push(m["eval/loss"]),
    });
    expect(result.steps).toBe(6);
    expect(result.losses.length).toBe(6);
    expect(result.losses[5]).toBeLessThan(result.losses[0]);
    expect(evals.length).toBe(2);
    expect(evals[1]).toBeLessThan(evals[0]);
    expect(existsSync(join(root, "a", "checkpoint-6", "model.safetensors"))).toBe(true);
  });

  it("generates from its checkpoints with `engine generate --model <run folder>`", async () => {
    const runDir = join(root, "generate");
    await trainSft(config(runDir, { maxSteps: 3 }));
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

  it("resumes a killed run exactly: same losses and bit-identical weights", async () => {
    const full = await trainSft(config(join(root, "full")));
    await trainSft(config(join(root, "killed")));
    rmSync(join(root, "killed", "checkpoint-6"), { recursive: true }); // as if killed after step 3's checkpoint
    const resumed = await trainSft(config(join(root, "killed")));
    expect(resumed.losses).toEqual(full.losses.slice(3));
    const a = readSafetensors(join(root, "full", "checkpoint-6", "model.safetensors")).tensors;
    const b = readSafetensors(join(root, "killed", "checkpoint-6", "model.safetensors")).tensors;
    for (const name of Object.keys(a))
      expect(Buffer.from(b[name].data.buffer).equals(Buffer.from(a[name].data.buffer)), name).toBe(true);
  });

  it("trains packed conversations", async () => {
    const result = await trainSft(config(join(root, "packed"), { packing: true, batchSize: 2, maxSteps: 3 }));
    expect(result.losses[2]).toBeLessThan(result.losses[0]);
  });
});
