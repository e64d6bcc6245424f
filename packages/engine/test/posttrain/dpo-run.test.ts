import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/io/safetensors.js";
import { REFERENCE_LOGPS_FILE } from "../../src/posttrain/reference-logps.js";
import { preferencePairs } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { expectExactResume, recordJob, tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

describe("runJob dpo", () => {
  const root = tempDir("dpo-run");
  const base = tinyBaseCheckpoint(root);
  const train = writeJsonl(join(root, "pairs.jsonl"), preferencePairs(new Rng(4), 40));
  const config = (extra: Record<string, unknown> = {}) => ({
    baseCheckpoint: base,
    data: { train, validationFraction: 0.2 },
    learningRate: 5e-3,
    batchSize: 4,
    maxSteps: 8,
    evalEvery: 8,
    logEvery: 1,
    ...extra,
  });

  it("starts at log 2 (policy = stored reference), raises the chosen-over-rejected margin and logs the DPO metrics", async () => {
    const run = await recordJob("dpo", config(), join(root, "a"));
    expect(Math.abs(run.losses[0] - Math.log(2))).toBeLessThan(1e-5);
    expect(run.losses[7]).toBeLessThan(run.losses[0]);
    const last = run.records.filter((r) => r.metrics["rewards/margins"] !== undefined).at(-1)!.metrics;
    for (const k of [
      "rewards/chosen",
      "rewards/rejected",
      "rewards/accuracies",
      "logps/chosen",
      "logps/rejected",
    ])
      expect(last[k], k).toBeTypeOf("number");
    expect(last["rewards/margins"]).toBeGreaterThan(0);
    expect(run.result.lastEval?.["eval/rewards/margins"]).toBeTypeOf("number");

    const stored = readSafetensors(join(root, "a", REFERENCE_LOGPS_FILE));
    expect(stored.tensors["train.sum"].shape).toEqual([64]); // 32 training pairs, chosen then rejected
    expect(stored.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("cancels and resumes bit for bit, reusing the stored reference log-probs (IPO)", async () => {
    const dir = tempDir("dpo-resume");
    const ipo = () => config({ lossType: "ipo", beta: 0.5, maxSteps: 4, microBatches: 2 });
    await expectExactResume("dpo", ipo, dir, 2);
    const written = statSync(join(dir, "cancelled", REFERENCE_LOGPS_FILE)).mtimeMs;
    await recordJob("dpo", ipo(), join(dir, "cancelled"));
    expect(statSync(join(dir, "cancelled", REFERENCE_LOGPS_FILE)).mtimeMs).toBe(written);
  });

  it("trains the reference-free losses (SimPO, ORPO) without a reference pass, raising the margin", async () => {
    for (const [lossType, beta] of [
      ["simpo", 2],
      ["orpo", 0.5],
    ] as const) {
      const dir = join(root, lossType);
      const run = await recordJob("dpo", config({ lossType, beta }), dir);
      expect(existsSync(join(dir, REFERENCE_LOGPS_FILE)), lossType).toBe(false);
      expect(run.losses.every(Number.isFinite), lossType).toBe(true);
      const margins = run.records.filter((r) => r.metrics["rewards/margins"] !== undefined);
      expect(margins.at(-1)!.metrics["rewards/margins"], lossType).toBeGreaterThan(
        margins[0].metrics["rewards/margins"],
      );
    }
  });
});
