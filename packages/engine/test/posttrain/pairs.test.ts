import { describe, expect, it } from "vitest";
import { rankingToPairs } from "../../src/posttrain/pairs.js";
import { loadFixture } from "../objectives/fixtures.js";

describe("rankingToPairs", () => {
  it("gives every ordered pair of different ranks, skips ties, and weighs prompts equally", () => {
    const f = loadFixture("reward");
    let start = 0;
    const rankings = f.rankings.map((ranks: number[]) => {
      const r = { start, ranks };
      start += ranks.length;
      return r;
    });
    const pairs = rankingToPairs(rankings, "prompt");
    expect(pairs.chosen).toEqual(f.pairs.chosen);
    expect(pairs.rejected).toEqual(f.pairs.rejected);
    pairs.weight.forEach((w, i) => expect(w).toBeCloseTo(f.pairs.weight[i], 15));
    // ranks [0,1,1,2]: the two rank-1 responses are tied, so 5 pairs instead of 6
    expect(pairs.chosen.filter((c) => c < 4).length).toBe(5);
    expect(pairs.rankGap.slice(0, 5)).toEqual([1, 1, 2, 1, 1]);
  });

  it("weighs every pair alike under pair weighting", () => {
    const pairs = rankingToPairs(
      [
        { start: 0, ranks: [0, 1, 2] },
        { start: 3, ranks: [1, 0] },
      ],
      "pair",
    );
    expect(pairs.weight).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(pairs.chosen).toEqual([0, 0, 1, 4]);
    expect(pairs.rejected).toEqual([1, 2, 2, 3]);
  });

  it("names a ranking with a missing rank", () => {
    expect(() => rankingToPairs([{ start: 0, ranks: [0, Number.NaN] }], "pair")).toThrow(
      /ranking 0: rank 1 is NaN/,
    );
  });
});
