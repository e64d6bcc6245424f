import { describe, expect, it } from "vitest";
import { runHandler } from "../src/handlers";

describe("demo handler (placeholder)", () => {
  it("reports progress and a decreasing train/loss for every step", async () => {
    const progress: number[] = [];
    const losses: number[] = [];
    await runHandler(
      "demo",
      { steps: 4, stepMs: 0 },
      {
        progress: (step, total) => progress.push(step / total),
        metrics: (_step, values) => losses.push(values["train/loss"]),
      },
    );
    expect(progress).toEqual([0.25, 0.5, 0.75, 1]);
    expect(losses).toHaveLength(4);
    expect([...losses].sort((a, b) => b - a)).toEqual(losses);
  });

  it("rejects a config with an unknown field, naming it", async () => {
    const noop = { progress: () => {}, metrics: () => {} };
    await expect(runHandler("demo", { steps: 2, learningRate: 1 }, noop)).rejects.toThrow(/learningRate/);
  });
});
