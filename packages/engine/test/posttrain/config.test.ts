import { describe, expect, it } from "vitest";
import {
  DpoConfigSchema,
  PpoConfigSchema,
  RewardConfigSchema,
  SftConfigSchema,
  parseConfig,
} from "../../src/config/index.js";

const run = { baseCheckpoint: "ckpt/base", data: { train: "train.jsonl" } };

describe("post-training configs", () => {
  it("fill in the documented TRL defaults", () => {
    const sft = SftConfigSchema.parse(run);
    expect(sft.learningRate).toBe(2e-5);
    expect(sft.assistantOnlyLoss).toBe(true);
    expect(sft.optimizer).toEqual({
      name: "adamw",
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      decayEmbeddings: false,
      maxGradNorm: 1,
    });
    expect(sft.schedule.decay).toBe("linear");
    expect([sft.microBatches, sft.earlyStopping.patience, sft.divergence.factor]).toEqual([1, 5, 3]);
    expect(RewardConfigSchema.parse(run).learningRate).toBe(1e-4);
    const dpo = DpoConfigSchema.parse(run);
    expect([dpo.learningRate, dpo.beta, dpo.lossType, dpo.labelSmoothing]).toEqual([1e-6, 0.1, "sigmoid", 0]);
    const ppo = PpoConfigSchema.parse({ ...run, rewardCheckpoint: "ckpt/rm" });
    expect([ppo.klCoef, ppo.cliprange, ppo.vfCoef, ppo.gamma, ppo.lam, ppo.ppoEpochs]).toEqual([
      0.05, 0.2, 0.1, 1, 0.95, 4,
    ]);
    expect(ppo.adaptiveKl).toBeUndefined();
    expect(PpoConfigSchema.parse({ ...run, rewardCheckpoint: "r", adaptiveKl: {} }).adaptiveKl).toEqual({
      target: 6,
      horizon: 10000,
    });
  });

  it("reject unknown and wrong fields, naming them", () => {
    expect(() => parseConfig(DpoConfigSchema, { ...run, betta: 0.2 }, "dpo.json")).toThrow(
      /dpo\.json: invalid config: .*betta/,
    );
    expect(() => parseConfig(SftConfigSchema, { ...run, optimizer: { beta1: 1.5 } }, "sft.json")).toThrow(
      /optimizer\.beta1/,
    );
    expect(() => parseConfig(PpoConfigSchema, run, "ppo.json")).toThrow(/rewardCheckpoint/);
    // the run folder is runJob's workDir, not a config field
    expect(() => parseConfig(SftConfigSchema, { ...run, outDir: "runs/x" }, "sft.json")).toThrow(/outDir/);
    expect(() => parseConfig(RewardConfigSchema, { ...run, pairWeighting: "all" }, "rm.json")).toThrow(
      /pairWeighting/,
    );
  });
});
