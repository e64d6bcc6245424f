import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { samplePrompt } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import {
  expectExactResume,
  tempDir,
  tinyBaseCheckpoint,
  tinyRewardModel,
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
    const rm = await tinyRewardModel(root, base);
    const rng = new Rng(9);
    const prompts = writeJsonl(
      join(root, "prompts.jsonl"),
      Array.from({ length: 8 }, () => ({ prompt: samplePrompt(rng).text })),
    );
    const heldOut = writeJsonl(
      join(root, "held-out.jsonl"),
      Array.from({ length: 3 }, () => ({ prompt: samplePrompt(rng).text })),
    );
    const config = () => ({
      baseCheckpoint: base,
      rewardCheckpoint: rm.result.finalCheckpoint,
      data: { train: prompts, validation: heldOut },
      learningRate: 1e-3,
      batchSize: 4,
      miniBatches: 2,
      microBatches: 2,
      ppoEpochs: 2,
      responseLength: 6,
      temperature: 0.7,
      totalEpisodes: 12,
      adaptiveKl: { target: 1, horizon: 100 },
      klEstimator: "k3",
      normalizeReward: true,
      rewardClipRange: [-1, 1],
      evalEvery: 2,
    });
    const full = await expectExactResume("ppo", config, root, 1);
    expect(full.result.totalSteps).toBe(3); // iterations
    const train = full.records.filter((r) => r.metrics["train/loss"] !== undefined);
    const evals = full.records.filter((r) => r.metrics["eval/loss"] !== undefined);
    expect(train.map((r) => r.step)).toEqual([1, 2, 3]);
    for (const m of METRICS)
      for (const { metrics } of train) expect(Number.isFinite(metrics[m]), m).toBe(true);
    // normalised and clipped scores stay in the clip range
    for (const { metrics } of train)
      expect(Math.abs(metrics["objective/scores_processed"])).toBeLessThanOrEqual(1);
    // held-out prompts evaluated at steps 2 and 3 (the end): reward, KL, EOS rate, length within the budget
    expect(evals.map((r) => r.step)).toEqual([2, 3]);
    for (const { metrics } of evals) {
      for (const m of ["eval/scores", "eval/kl", "eval/eos_rate"])
        expect(Number.isFinite(metrics[m]), m).toBe(true);
      expect(metrics["eval/response_length"]).toBeGreaterThan(0);
      expect(metrics["eval/response_length"]).toBeLessThanOrEqual(6);
    }
    expect(full.result.bestCheckpoint).not.toBeNull();
    expect(full.records[2].metrics["objective/kl_coef"]).not.toBe(
      full.records[0].metrics["objective/kl_coef"],
    );
    expect(Object.keys(weightBytes(full.result.finalCheckpoint))).toContain("value_model.score.weight");
  }, 60_000);
});
