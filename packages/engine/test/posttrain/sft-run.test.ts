import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/io/safetensors.js";
import { trainSft } from "../../src/posttrain/sft.js";
import { demonstrations } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

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
    const result = await trainSft(config(join(root, "a")), { onMetrics: (_s, m) => m["eval/loss"] !== undefined && evals.push(m["eval/loss"]) });
    expect(result.steps).toBe(6);
    expect(result.losses.length).toBe(6);
    expect(result.losses[5]).toBeLessThan(result.losses[0]);
    expect(evals.length).toBe(2);
    expect(evals[1]).toBeLessThan(evals[0]);
    expect(existsSync(join(root, "a", "checkpoint-6", "model.safetensors"))).toBe(true);
  });

  it("resumes a killed run exactly: same losses and bit-identical weights", async () => {
    const full = await trainSft(config(join(root, "full")));
    await trainSft(config(join(root, "killed")));
    rmSync(join(root, "killed", "checkpoint-6"), { recursive: true }); // as if killed after step 3's checkpoint
    const resumed = await trainSft(config(join(root, "killed")));
    expect(resumed.losses).toEqual(full.losses.slice(3));
    const a = readSafetensors(join(root, "full", "checkpoint-6", "model.safetensors")).tensors;
    const b = readSafetensors(join(root, "killed", "checkpoint-6", "model.safetensors")).tensors;
    for (const name of Object.keys(a)) expect(Buffer.from(b[name].data.buffer).equals(Buffer.from(a[name].data.buffer)), name).toBe(true);
  });

  it("trains packed conversations", async () => {
    const result = await trainSft(config(join(root, "packed"), { packing: true, batchSize: 2, maxSteps: 3 }));
    expect(result.losses[2]).toBeLessThan(result.losses[0]);
  });
});
