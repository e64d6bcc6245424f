import { describe, expect, it } from "vitest";
import {
  meanLossOverBatches,
  perplexity,
  summarizeLanguageModelEval,
  unigramBaselineLoss,
} from "../../src/eval/language.js";

describe("language-model evaluation", () => {
  it("perplexity is exp of the mean loss", () => {
    expect(perplexity(Math.log(50))).toBeCloseTo(50, 12);
  });

  it("weights batch losses by their tokens", () => {
    expect(
      meanLossOverBatches([
        { loss: 2, tokens: 300 },
        { loss: 4, tokens: 100 },
      ]),
    ).toBeCloseTo(2.5, 15);
    expect(() => meanLossOverBatches([{ loss: Number.NaN, tokens: 1 }])).toThrow(/a batch loss is NaN/);
  });

  it("computes the add-k unigram cross-entropy", () => {
    // p(0) = (2+1)/(3+3), p(1) = (1+1)/6, p(2) = (0+1)/6
    expect(unigramBaselineLoss([0, 0, 1], [0, 1, 2], 3, 1)).toBeCloseTo(
      (Math.log(2) + Math.log(3) + Math.log(6)) / 3,
      14,
    );
    // Evenly spread training tokens give the uniform model's log V, whatever the smoothing.
    expect(unigramBaselineLoss([0, 1, 2, 3], [3, 3, 1], 4, 0.5)).toBeCloseTo(Math.log(4), 14);
    // Skewed text: the baseline is well under log V, so beating log V alone proves little.
    const skewed = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? i % 7 : 0));
    expect(unigramBaselineLoss(skewed, skewed, 256)).toBeLessThan(Math.log(256) / 4);
  });

  it("names bad ids and settings", () => {
    expect(() => unigramBaselineLoss([0, 9], [0], 4)).toThrow(
      /training token id 9 at position 1 is not in the vocabulary \[0, 4\)/,
    );
    expect(() => unigramBaselineLoss([0], [0, -1], 4)).toThrow(/evaluation token id -1 at position 1/);
    expect(() => unigramBaselineLoss([0], [0], 4, 0)).toThrow(/smoothing must be > 0/);
  });

  it("summarizes under slash-namespaced metric names", () => {
    const s = summarizeLanguageModelEval({ meanLoss: Math.log(10), baselineLoss: 2 * Math.log(10) });
    expect(s["eval/perplexity"]).toBeCloseTo(10, 12);
    expect(s["eval/gain_over_unigram"]).toBeCloseTo(0.5, 12);
    expect(Object.keys(s)).toEqual([
      "eval/loss",
      "eval/perplexity",
      "eval/unigram_loss",
      "eval/gain_over_unigram",
    ]);
  });
});
