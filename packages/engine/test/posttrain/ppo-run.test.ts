import { join } from "node:path";
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/io/safetensors.js";
import { trainPpo } from "../../src/posttrain/ppo.js";
import { trainRewardModel } from "../../src/posttrain/reward-model.js";
import { rankings, samplePrompt } from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir, tinyBaseCheckpoint, writeJsonl } from "./helpers.js";

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
];

describe("engine ppo", () => {
  it("runs rollouts, scores, GAE and PPO updates with the metrics of TRL, and resumes exactly", async () => {
    const root = tempDir("ppo-run");
    const base = tinyBaseCheckpoint(root);
    const rm = await trainRewardModel({
      baseCheckpoint: base,
      outDir: join(root, "rm"),
      data: {
        train: writeJsonl(join(root, "rankings.jsonl"), rankings(new Rng(3), 16)),
        validationFraction: 0,
      },
      learningRate: 1e-2,
      batchSize: 4,
      maxSteps: 2,
    });
    const rng = new Rng(9);
    const prompts = writeJsonl(
      join(root, "prompts.jsonl"),
      Array.from({ length: 8 }, () => ({ prompt: samplePrompt(rng).text })),
    );
    const config = (outDir: string) => ({
      baseCheckpoint: base,
      rewardCheckpoint: rm.finalDir,
      outDir,
      data: { train: prompts },
      learningRate: 1e-3,
      batchSize: 4,
      miniBatches: 2,
      ppoEpochs: 2,
      responseLength: 6,
      temperature: 1,
      totalEpisodes: 12,
      saveEvery: 4,
      adaptiveKl: { target: 1, horizon: 100 },
    });
    const full = await trainPpo(config(join(root, "full")));
    expect(full.iterations).toBe(3);
    expect(full.updates).toBe(12);
    for (const m of METRICS) for (const h of full.history) expect(Number.isFinite(h[m]), m).toBe(true);
    expect(full.history[2]["objective/kl_coef"]).not.toBe(full.history[0]["objective/kl_coef"]);

    await trainPpo(config(join(root, "killed")));
    rmSync(join(root, "killed", "checkpoint-12"), { recursive: true });
    const resumed = await trainPpo(config(join(root, "killed")));
    expect(resumed.history).toEqual(full.history.slice(2));
    const a = readSafetensors(join(full.finalDir, "model.safetensors")).tensors;
    const b = readSafetensors(join(resumed.finalDir, "model.safetensors")).tensors;
    expect(Object.keys(a)).toContain("value_model.score.weight");
    for (const name of Object.keys(a))
      expect(Buffer.from(b[name].data.buffer).equals(Buffer.from(a[name].data.buffer)), name).toBe(true);
  }, 60_000);
});
