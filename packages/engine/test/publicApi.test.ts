import { describe, expect, it } from "vitest";
import * as config from "../src/config/index.js";
import * as engine from "../src/index.js";

describe("@rlhf/engine public API", () => {
  it("exports the job API, the reward scorer and the job configs", () => {
    for (const name of [
      "runJob",
      "loadBaseModel",
      "generatorFromCheckpoint",
      "buildCustomStepGraph",
    ] as const) {
      expect(typeof engine[name], name).toBe("function");
    }
    expect(typeof engine.RewardScorer.load).toBe("function");
    expect(engine.SftConfigSchema.parse({ baseCheckpoint: "b", data: { train: "t.jsonl" } }).packing).toBe(
      false,
    );
    // one schema per job kind, the same objects in the runtime-free entry point (kinds are added over time)
    expect(Object.keys(engine.JOB_CONFIG_SCHEMAS)).toEqual([...config.JOB_KINDS]);
    expect(config.JOB_KINDS).toEqual(expect.arrayContaining(["pretrain", "sft", "reward", "dpo", "ppo"]));
    for (const kind of config.JOB_KINDS)
      expect(config.JOB_CONFIG_SCHEMAS[kind], kind).toBe(engine.JOB_CONFIG_SCHEMAS[kind]);
    expect(
      engine.JOB_CONFIG_SCHEMAS.sft.parse({ baseCheckpoint: "b", data: { train: "t" } }).microBatches,
    ).toBe(1);
    expect(() =>
      engine.PpoConfigSchema.parse({
        baseCheckpoint: "b",
        rewardCheckpoint: "r",
        data: { train: "t" },
        klCoeff: 1,
      }),
    ).toThrow(/klCoeff/);
  });
});
