import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RewardScorer } from "../../src/posttrain/reward-model.js";
import { preferencePairs, rankings } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { expectExactResume, recordJob, tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

describe("runJob reward", () => {
  const root = tempDir("reward-run");
  const base = tinyBaseCheckpoint(root);

  it("learns k-wise rankings, reports eval/accuracy and scores any (prompt, response)", async () => {
    const train = writeJsonl(join(root, "rankings.jsonl"), [
      ...rankings(new Rng(3), 40),
      {
        prompt: "ask for the cup",
        chosen: "please pass the cup.",
        rejected: "give me the cup now.",
        margin: 0.5,
      },
    ]);
    const run = await recordJob(
      "reward",
      {
        baseCheckpoint: base,
        data: { train, validationFraction: 0.2 },
        learningRate: 1e-2,
        batchSize: 8,
        maxSteps: 12,
        evalEvery: 12,
        centerRewardsCoefficient: 0.01,
        marginPerRank: 0.1,
      },
      join(root, "rm"),
    );
    expect(run.losses[11]).toBeLessThan(run.losses[0]);
    for (const k of ["eval/loss", "eval/accuracy", "eval/margin", "eval/reward_mean", "eval/reward_std"])
      expect(run.result.lastEval?.[k], k).toBeTypeOf("number");
    expect(run.records.some((r) => r.metrics["train/accuracy"] !== undefined)).toBe(true);

    const scorer = await RewardScorer.load(run.result.finalCheckpoint, 4);
    const scores = await scorer.score([
      { prompt: "ask for the cup", response: "please pass the cup." },
      { prompt: "ask for the cup", response: "give me the cup now." },
      { prompt: "get me the salt", response: "pass the salt." },
      { prompt: "get me the salt", response: "salt. the pass" },
      { prompt: "request the key", response: "the key, please." },
    ]);
    await scorer.release();
    expect(scores.length).toBe(5);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(new Set(scores).size).toBe(5);
  });

  it("evaluates 5 held-out pairs exactly once each: accuracy is a multiple of 0.2", async () => {
    const train = writeJsonl(join(root, "pairs.jsonl"), preferencePairs(new Rng(5), 16));
    const validation = writeJsonl(join(root, "heldout.jsonl"), preferencePairs(new Rng(6), 5));
    const run = await recordJob(
      "reward",
      { baseCheckpoint: base, data: { train, validation }, learningRate: 1e-2, batchSize: 8, maxSteps: 3 },
      join(root, "five"),
    );
    const accuracy = run.result.lastEval!["eval/accuracy"];
    expect(Math.abs(accuracy * 5 - Math.round(accuracy * 5))).toBeLessThan(1e-5);
  });

  it("cancels through its signal and resumes bit for bit", async () => {
    const train = writeJsonl(join(root, "resume.jsonl"), preferencePairs(new Rng(7), 24));
    const config = () => ({
      baseCheckpoint: base,
      data: { train, validationFraction: 0.25 },
      learningRate: 1e-2,
      batchSize: 4,
      microBatches: 2,
      maxSteps: 5,
      evalEvery: 2,
    });
    await expectExactResume("reward", config, tempDir("reward-resume"), 3);
  });
});
