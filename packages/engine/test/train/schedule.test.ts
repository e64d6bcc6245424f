import { describe, expect, it } from "vitest";
import { learningRateAt } from "../../src/train/schedule.js";

/** Hugging Face's lr_lambda for get_cosine_schedule_with_warmup (num_cycles 0.5), written out from its source. */
function hfCosine(currentStep: number, warmup: number, total: number): number {
  if (currentStep < warmup) return currentStep / Math.max(1, warmup);
  const progress = (currentStep - warmup) / Math.max(1, total - warmup);
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
}

/** get_linear_schedule_with_warmup's lr_lambda. */
function hfLinear(currentStep: number, warmup: number, total: number): number {
  if (currentStep < warmup) return currentStep / Math.max(1, warmup);
  return Math.max(0, (total - currentStep) / Math.max(1, total - warmup));
}

const base = { lr: 1, warmupSteps: 10, totalSteps: 110 };

describe("learningRateAt", () => {
  it("warms up linearly from lr/warmupSteps at step 0 to lr at the last warmup step", () => {
    expect(learningRateAt(0, { ...base, decay: "cosine", minLrRatio: 0 })).toBeCloseTo(0.1, 15);
    expect(learningRateAt(4, { ...base, decay: "cosine", minLrRatio: 0 })).toBeCloseTo(0.5, 15);
    expect(learningRateAt(9, { ...base, decay: "cosine", minLrRatio: 0 })).toBe(1);
  });

  it("decays by a cosine to lr * minLrRatio at the last step and stays there", () => {
    const s = { ...base, lr: 3e-4, decay: "cosine" as const, minLrRatio: 0.1 };
    // step 34 is update 35: a quarter of the way through the 100 decay updates.
    expect(learningRateAt(34, s)).toBeCloseTo(3e-4 * (0.1 + 0.9 * 0.8535533905932737), 15);
    expect(learningRateAt(59, s)).toBeCloseTo(3e-4 * 0.55, 15);
    expect(learningRateAt(109, s)).toBeCloseTo(3e-5, 15);
    expect(learningRateAt(5000, s)).toBeCloseTo(3e-5, 15);
  });

  it("decays linearly, and holds lr when constant", () => {
    expect(learningRateAt(34, { ...base, decay: "linear", minLrRatio: 0 })).toBeCloseTo(0.75, 15);
    expect(learningRateAt(59, { ...base, decay: "linear", minLrRatio: 0.2 })).toBeCloseTo(0.6, 15);
    expect(learningRateAt(0, { ...base, decay: "constant", minLrRatio: 0 })).toBeCloseTo(0.1, 15);
    expect(learningRateAt(1000, { ...base, decay: "constant", minLrRatio: 0.5 })).toBe(1);
  });

  it("equals Hugging Face's multiplier at step + 1 for every update of a run", () => {
    for (const [warmupSteps, totalSteps] of [
      [10, 110],
      [0, 7],
      [3, 4],
      [5, 50],
    ]) {
      for (let step = 0; step < totalSteps; step++) {
        const s = { lr: 2, warmupSteps, totalSteps, minLrRatio: 0 };
        expect(learningRateAt(step, { ...s, decay: "cosine" })).toBeCloseTo(
          2 * hfCosine(step + 1, warmupSteps, totalSteps),
          14,
        );
        expect(learningRateAt(step, { ...s, decay: "linear" })).toBeCloseTo(
          2 * hfLinear(step + 1, warmupSteps, totalSteps),
          14,
        );
      }
    }
  });

  it("rejects impossible schedules and steps by name", () => {
    expect(() => learningRateAt(-1, { ...base, decay: "cosine", minLrRatio: 0 })).toThrow(
      /step must be a non-negative integer, got -1/,
    );
    expect(() =>
      learningRateAt(0, { lr: 1, warmupSteps: 20, totalSteps: 10, decay: "cosine", minLrRatio: 0 }),
    ).toThrow(/warmupSteps 20 exceeds totalSteps 10/);
    expect(() =>
      learningRateAt(0, { lr: 0, warmupSteps: 0, totalSteps: 10, decay: "cosine", minLrRatio: 0 }),
    ).toThrow(/lr/);
  });
});
