import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JOB_CONFIG_SCHEMAS } from "../../src/config/jobs.js";
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
  "train/reward",
  "train/reward_std",
  "train/frac_reward_zero_std",
  "train/kl",
  "train/entropy",
  "train/clip_ratio/region_mean",
  "train/completions/mean_length",
  "train/lr",
  "train/grad_norm",
];

function prompts(root: string, name: string, count: number, seed: number): string {
  const rng = new Rng(seed);
  return writeJsonl(
    join(root, `${name}.jsonl`),
    Array.from({ length: count }, () => ({ prompt: samplePrompt(rng).text })),
  );
}

describe("runJob grpo and rloo", () => {
  it("grpo: G samples per prompt, a reward function, k3 KL in the loss, held-out evaluation, exact resume", async () => {
    const root = tempDir("grpo-run");
    const base = tinyBaseCheckpoint(root);
    const config = () => ({
      baseCheckpoint: base,
      rewardFunction: "synthetic_well_formed",
      data: { train: prompts(root, "train", 6, 9), validation: prompts(root, "held-out", 3, 10) },
      learningRate: 1e-3,
      batchSize: 4,
      numGenerations: 2,
      microBatches: 2,
      maxCompletionLength: 6,
      temperature: 0.7,
      beta: 0.04,
      numIterations: 2,
      epsilonHigh: 0.28,
      epochs: 1,
      evalEvery: 2,
    });
    const full = await expectExactResume("grpo", config, root, 1);
    expect(full.result.totalSteps).toBe(3); // 6 prompts, 2 per step
    const train = full.records.filter((r) => r.metrics["train/loss"] !== undefined);
    expect(train.map((r) => r.step)).toEqual([1, 2, 3]);
    for (const m of METRICS)
      for (const { metrics } of train) expect(Number.isFinite(metrics[m]), m).toBe(true);
    // a random model never writes a well-formed reply: every group's rewards are equal (zero advantages)
    for (const { metrics } of train) expect(metrics["train/frac_reward_zero_std"]).toBe(1);
    const evals = full.records.filter((r) => r.metrics["eval/loss"] !== undefined);
    expect(evals.map((r) => r.step)).toEqual([2, 3]);
    for (const { metrics } of evals) expect(metrics["eval/response_length"]).toBeLessThanOrEqual(6);
    // beta > 0: the k3 term moved the weights even with zero advantages
    expect(weightBytes(full.result.finalCheckpoint)).not.toEqual(weightBytes(base));
  }, 120_000);

  it("rloo: k samples with the leave-one-out baseline and a reward model, exact resume", async () => {
    const root = tempDir("rloo-run");
    const base = tinyBaseCheckpoint(root);
    const rm = await tinyRewardModel(root, base);
    const config = () => ({
      baseCheckpoint: base,
      rewardCheckpoint: rm.result.finalCheckpoint,
      data: { train: prompts(root, "train", 8, 9), validationFraction: 0 },
      learningRate: 1e-3,
      batchSize: 4,
      numGenerations: 2,
      maxCompletionLength: 6,
      maxSteps: 3,
    });
    const full = await expectExactResume("rloo", config, root, 2);
    expect(full.result.totalSteps).toBe(3);
    expect(full.logs.some((l) => l.message.includes("no validation data"))).toBe(true);
    for (const m of METRICS)
      for (const { metrics } of full.records) expect(Number.isFinite(metrics[m]), m).toBe(true);
    // reward-model scores differ between samples: some group has a non-zero spread
    expect(full.records.some((r) => r.metrics["train/frac_reward_zero_std"] < 1)).toBe(true);
  }, 120_000);

  it("refuses a config with both or neither reward source, naming the field", () => {
    const common = { baseCheckpoint: "b", data: { train: "t.jsonl" } };
    for (const kind of ["grpo", "rloo"] as const) {
      const schema = JOB_CONFIG_SCHEMAS[kind];
      expect(schema.safeParse({ ...common, rewardFunction: "f" }).success).toBe(true);
      for (const bad of [common, { ...common, rewardFunction: "f", rewardCheckpoint: "rm" }]) {
        const r = schema.safeParse(bad);
        expect(r.success).toBe(false);
        expect(r.error?.issues[0].path).toEqual(["rewardCheckpoint"]);
      }
    }
  });
});
