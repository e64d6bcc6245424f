import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rankings, samplePrompt } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import {
  expectExactResume,
  recordJob,
  tempDir,
  tinyBaseCheckpoint,
  weightBytes,
  writeJsonl,
} from "./helpers.js";

const METRICS = [
  "objective/kl",
  "objective/scores",
  "objective/rlhf_reward",
  "objective/entropy",
  "policy/clipfrac",
  "policy/approxkl",
  "loss/policy",
  "loss/value",
  "val/ratio",
  "train/lr",
  "train/grad_norm",
];

describe("runJob ppo", () => {
  it("runs rollouts, scores, GAE and PPO updates with the metrics of TRL, and cancels and resumes exactly", async () => {
    const root = tempDir("ppo-run");
    const base = tinyBaseCheckpoint(root);
    const rm = await recordJob(
      "reward",
      {
        baseCheckpoint: base,
        data: {
          train: writeJsonl(join(root, "rankings.jsonl"), rankings(new Rng(3), 16)),
          validationFraction: 0,
        },
        learningRate: 1e-2,
        batchSize: 4,
        maxSteps: 2,
      },
      join(root, "rm"),
    );
    const rng = new Rng(9);
    const prompts = writeJsonl(
      join(root, "prompts.jsonl"),
      Array.from({ length: 8 }, () => ({ prompt: samplePrompt(rng).text })),
    );
    const config = () => ({
      baseCheckpoint: base,
      rewardCheckpoint: rm.result.finalCheckpoint,
      data: { train: prompts },
      learningRate: 1e-3,
      batchSize: 4,
      miniBatches: 2,
      microBatches: 2,
      ppoEpochs: 2,
      responseLength: 6,
      temperature: 1,
      totalEpisodes: 12,
      adaptiveKl: { target: 1, horizon: 100 },
    });
    const full = await expectExactResume("ppo", config, root, 1);
    expect(full.result.totalSteps).toBe(3); // iterations
    expect(full.logs.some((l) => l.message.includes("no validation data"))).toBe(true);
    expect(full.records.map((r) => r.step)).toEqual([1, 2, 3]);
    for (const m of METRICS)
      for (const { metrics } of full.records) expect(Number.isFinite(metrics[m]), m).toBe(true);
    expect(full.records[2].metrics["objective/kl_coef"]).not.toBe(
      full.records[0].metrics["objective/kl_coef"],
    );
    expect(Object.keys(weightBytes(full.result.finalCheckpoint))).toContain("value_model.score.weight");
  }, 60_000);
});
