import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/io/safetensors.js";
import { trainDpo } from "../../src/posttrain/dpo.js";
import { REFERENCE_LOGPS_FILE } from "../../src/posttrain/reference-logps.js";
import { preferencePairs } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

describe("engine dpo", () => {
  const root = tempDir("dpo-run");
  const base = tinyBaseCheckpoint(root);
  const train = writeJsonl(join(root, "pairs.jsonl"), preferencePairs(new Rng(4), 40));
  const config = (outDir: string, extra: Record<string, unknown> = {}) => ({
    baseCheckpoint: base,
    outDir,
    data: { train, validationFraction: 0.2 },
    learningRate: 5e-3,
    batchSize: 4,
    maxSteps: 8,
    evalEvery: 8,
    logEvery: 1,
    ...extra,
  });

  it("starts at log 2 (policy = stored reference), raises the chosen-over-rejected margin and logs the DPO metrics", async () => {
    const metrics: Record<string, number>[] = [];
    const result = await trainDpo(config(join(root, "a")), { onMetrics: (_s, m) => metrics.push(m) });
    expect(Math.abs(result.losses[0] - Math.log(2))).toBeLessThan(1e-5);
    expect(result.losses[7]).toBeLessThan(result.losses[0]);
    const last = metrics.filter((m) => m["rewards/margins"] !== undefined).at(-1)!;
    for (const k of [
      "rewards/chosen",
      "rewards/rejected",
      "rewards/accuracies",
      "logps/chosen",
      "logps/rejected",
    ])
      expect(last[k], k).toBeTypeOf("number");
    expect(last["rewards/margins"]).toBeGreaterThan(0);
    expect(metrics.some((m) => m["eval/rewards/margins"] !== undefined)).toBe(true);

    const stored = readSafetensors(join(root, "a", REFERENCE_LOGPS_FILE));
    expect(stored.tensors["train.sum"].shape).toEqual([64]); // 32 training pairs, chosen then rejected
    expect(stored.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reuses the stored reference log-probs when resuming, and trains IPO", async () => {
    const outDir = join(root, "ipo");
    await trainDpo(config(outDir, { lossType: "ipo", beta: 0.5, maxSteps: 4, saveEvery: 2 }));
    const written = statSync(join(outDir, REFERENCE_LOGPS_FILE)).mtimeMs;
    const resumed = await trainDpo(config(outDir, { lossType: "ipo", beta: 0.5, maxSteps: 6, saveEvery: 2 }));
    expect(statSync(join(outDir, REFERENCE_LOGPS_FILE)).mtimeMs).toBe(written);
    expect(resumed.steps).toBe(6);
    expect(existsSync(join(outDir, "checkpoint-6"))).toBe(true);
  });
});
