import { describe, expect, it } from "vitest";
import {
  bradleyTerryLoss,
  pairwiseAccuracy,
  summarizeRewardEval,
  winRate,
} from "../../src/eval/preference.js";

describe("preference evaluation", () => {
  it("pairwise accuracy counts ties as half", () => {
    expect(pairwiseAccuracy([3, 1, 2], [1, 1, 5])).toBeCloseTo(0.5, 15);
    expect(pairwiseAccuracy(new Float32Array([2, 2]), new Float32Array([1, 0]))).toBe(1);
    expect(() => pairwiseAccuracy([1], [1, 2])).toThrow(/1 scores against 2/);
  });

  it("Bradley-Terry loss is -log sigmoid(margin) and stays finite for large margins", () => {
    expect(bradleyTerryLoss([0], [0])).toBeCloseTo(Math.log(2), 15);
    expect(bradleyTerryLoss([1], [0])).toBeCloseTo(Math.log(1 + Math.exp(-1)), 15);
    expect(bradleyTerryLoss([1000], [0])).toBe(0);
    expect(bradleyTerryLoss([0], [1000])).toBeCloseTo(1000, 9);
  });

  it("summarizes a reward model under rewards/* names", () => {
    expect(summarizeRewardEval([2, 0], [1, 1])).toEqual({
      "rewards/accuracies": 0.5,
      "rewards/chosen": 1,
      "rewards/rejected": 1,
      "rewards/margins": 0,
      "eval/loss": (Math.log(1 + Math.exp(-1)) + Math.log(1 + Math.exp(1))) / 2,
    });
  });

  it("win rate with ties as half and a 95% Wilson interval", () => {
    const a = [5, 5, 5, 5, 5, 5, 1, 1, 3, 3];
    const b = [1, 1, 1, 1, 1, 1, 5, 5, 3, 3];
    const r = winRate(a, b);
    expect(r).toMatchObject({ wins: 6, losses: 2, ties: 2, n: 10, winRate: 0.7 });
    // Wilson interval for 7/10 (reference values from the closed form, as statistics tables give it).
    expect(r.low).toBeCloseTo(0.39678, 5);
    expect(r.high).toBeCloseTo(0.89221, 5);
    expect(winRate([1], [0])).toMatchObject({ winRate: 1, high: 1 });
  });
});
