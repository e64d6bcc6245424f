import { describe, expect, it } from "vitest";
import { EVALUATION_METRICS as M } from "@rlhf/shared";
import { formatMetric, headlineMetrics, metricLabel, orderMetrics } from "./evaluationMetrics";

describe("evaluation metrics on the pages", () => {
  it("names and formats each metric by what it measures", () => {
    expect(metricLabel(M.lengthControlledWinRate)).toBe("Length-controlled win rate");
    expect(formatMetric(M.winRate, 0.625)).toBe("62.5%");
    expect(formatMetric(M.meanLength, 12.34)).toBe("12.3 tokens");
    expect(formatMetric(M.evalSetPerplexity, 392.97640470736036)).toBe("393.0");
    expect(formatMetric("custom/thing", null)).toBe("—");
  });

  it("lists known metrics in the pages' order, then the others by name", () => {
    expect(orderMetrics(["z/extra", M.klToParent, M.evalSetPerplexity, "a/extra"])).toEqual([
      M.evalSetPerplexity,
      M.klToParent,
      "a/extra",
      "z/extra",
    ]);
  });

  it("headlines what matters for each kind, where the evaluation has it", () => {
    const policy = { [M.evalSetPerplexity]: 30, [M.klToParent]: 0.2, [M.winRate]: 0.6 };
    expect(headlineMetrics("POLICY", policy)).toEqual([M.winRate, M.klToParent]);
    expect(headlineMetrics("REWARD", { [M.rewardAccuracy]: 0.9 })).toEqual([M.rewardAccuracy]);
  });
});
