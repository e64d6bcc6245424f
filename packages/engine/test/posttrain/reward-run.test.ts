import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RewardScorer, trainRewardModel } from "../../src/posttrain/reward-model.js";
import { rankings } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

describe("engine reward", () => {
  it("learns k-wise rankings, reports eval/accuracy and scores any (prompt, response)", async () => {
    const root = tempDir("reward-run");
    const train = writeJsonl(join(root, "rankings.jsonl"), [
      ...rankings(new Rng(3), 40),
      {
        prompt: "ask for the cup",
        chosen: "please pass the cup.",
        rejected: "give me the cup now.",
        margin: 0.5,
      },
    ]);
    const metrics: Record<string, number>[] = [];
    const result = await trainRewardModel(
      {
        baseCheckpoint: tinyBaseCheckpoint(root),
        outDir: join(root, "rm"),
        data: { train, validationFraction: 0.2 },
        learningRate: 1e-2,
        batchSize: 8,
        maxSteps: 12,
        evalEvery: 12,
        centerRewardsCoefficient: 0.01,
        marginPerRank: 0.1,
      },
      { onMetrics: (_s, m) => metrics.push(m) },
    );
    expect(result.losses[11]).toBeLessThan(result.losses[0]);
    const evalMetrics = metrics.find((m) => m["eval/accuracy"] !== undefined)!;
    for (const k of ["eval/loss", "eval/accuracy", "eval/margin", "eval/reward_mean", "eval/reward_std"])
      expect(evalMetrics[k], k).toBeTypeOf("number");
    expect(metrics.some((m) => m["train/accuracy"] !== undefined)).toBe(true);

    const scorer = await RewardScorer.load(result.finalDir, 4);
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
});
