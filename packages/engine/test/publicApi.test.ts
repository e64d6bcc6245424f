import { describe, expect, it } from "vitest";
import * as engine from "../src/index.js";

describe("@rlhf/engine public API", () => {
  it("exports the post-training runs, the reward scorer and their configs", () => {
    for (const name of [
      "trainSft",
      "trainRewardModel",
      "trainDpo",
      "trainPpo",
      "loadBaseModel",
      "pretrain",
      "generatorFromCheckpoint",
      "buildCustomStepGraph",
    ] as const) {
      expect(typeof engine[name], name).toBe("function");
    }
    expect(typeof engine.RewardScorer.load).toBe("function");
    expect(
      engine.SftConfigSchema.parse({ baseCheckpoint: "b", outDir: "o", data: { train: "t.jsonl" } }).packing,
    ).toBe(false);
    expect(() =>
      engine.PpoConfigSchema.parse({
        baseCheckpoint: "b",
        rewardCheckpoint: "r",
        outDir: "o",
        data: { train: "t" },
        klCoeff: 1,
      }),
    ).toThrow(/klCoeff/);
  });
});
