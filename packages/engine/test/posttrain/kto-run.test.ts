import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REFERENCE_LOGPS_FILE } from "../../src/posttrain/reference-logps.js";
import { preferencePairs } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { expectExactResume, recordJob, tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

describe("runJob kto", () => {
  const root = tempDir("kto-run");
  const base = tinyBaseCheckpoint(root);
  // unpaired: each preference pair gives either its chosen reply (desirable) or its rejected one (undesirable)
  const records = preferencePairs(new Rng(4), 40).map((p, i) =>
    i % 2 === 0
      ? { prompt: p.prompt, completion: p.chosen, label: true }
      : { prompt: p.prompt, completion: p.rejected, label: false },
  );
  const train = writeJsonl(join(root, "kto.jsonl"), records);
  const config = (extra: Record<string, unknown> = {}) => ({
    baseCheckpoint: base,
    data: { train, validationFraction: 0.2 },
    learningRate: 5e-3,
    batchSize: 4,
    maxSteps: 8,
    evalEvery: 8,
    ...extra,
  });

  it("starts at 0.5 (policy = reference, z0 = 0), separates desirable from undesirable and evaluates", async () => {
    const run = await recordJob("kto", config(), join(root, "a"));
    expect(Math.abs(run.losses[0] - 0.5)).toBeLessThan(1e-5);
    expect(run.losses[7]).toBeLessThan(run.losses[0]);
    const train = run.records.filter((r) => r.metrics["rewards/margins"] !== undefined);
    expect(train[0].metrics["train/kl"]).toBe(0);
    expect(train.at(-1)!.metrics["rewards/margins"]).toBeGreaterThan(0);
    expect(run.result.lastEval?.["eval/rewards/margins"]).toBeTypeOf("number");
    expect(existsSync(join(root, "a", REFERENCE_LOGPS_FILE))).toBe(true);
  });

  it("cancels and resumes bit for bit with gradient accumulation", async () => {
    await expectExactResume("kto", () => config({ maxSteps: 4, microBatches: 2 }), tempDir("kto-resume"), 2);
  });
});
