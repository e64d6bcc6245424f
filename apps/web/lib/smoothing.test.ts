import { describe, expect, it } from "vitest";
import { meanSpacing, smoothTwema } from "./smoothing";

describe("smoothTwema", () => {
  it("matches a hand computation on evenly spaced points, debiased from the first point", () => {
    // smoothing 0.25 → w = 0.5, one step per interval, so every decay is 0.5:
    //   sums 1, 0.5·1 + 2 = 2.5, 0.5·2.5 + 3 = 4.25; weights 1, 1.5, 1.75.
    const smoothed = smoothTwema([0, 1, 2], [1, 2, 3], 0.25);
    expect(smoothed[0]).toBe(1); // a plain EMA would start at (1 − w)·1 = 0.5, biased towards 0
    expect(smoothed[1]).toBeCloseTo(2.5 / 1.5, 12);
    expect(smoothed[2]).toBeCloseTo(4.25 / 1.75, 12);
  });

  it("decays by the length of each gap on unevenly spaced points", () => {
    // smoothing 0.6561 → w = 0.81; range 6 over 3 intervals, so a gap of 1 decays by 0.81^0.5 = 0.9
    // and the gap of 4 by 0.81^2 = 0.6561.
    //   sums 1, 0.9 + 2 = 2.9, 2.61 + 3 = 5.61, 5.61·0.6561 + 4 = 7.680721
    //   weights 1, 1.9, 2.71, 2.71·0.6561 + 1 = 2.778031
    const smoothed = smoothTwema([0, 1, 2, 6], [1, 2, 3, 4], 0.6561);
    const expected = [1, 2.9 / 1.9, 5.61 / 2.71, 7.680721 / 2.778031];
    smoothed.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 10));
  });

  it("smooths a sparse series less per point when it shares a denser series' unit", () => {
    // Points 2 steps apart, unit 1 step: w = 0.5 decays to 0.5² = 0.25 between them.
    //   sums 1, 0.25 + 3 = 3.25; weights 1, 1.25.
    expect(smoothTwema([0, 2], [1, 3], 0.25, 1)).toEqual([1, 3.25 / 1.25]);
    // With its own spacing as the unit the same two points decay by w = 0.5: (0.5 + 3) / 1.5.
    expect(smoothTwema([0, 2], [1, 3], 0.25)[1]).toBeCloseTo(3.5 / 1.5, 12);
    expect(meanSpacing([0, 2, 3, 8])).toBe(8 / 3);
  });

  it("leaves the series alone at smoothing 0 and for a single point", () => {
    expect(smoothTwema([0, 1, 2], [3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(smoothTwema([5], [0.7], 0.9)).toEqual([0.7]);
  });

  it("names what is wrong with bad input", () => {
    expect(() => smoothTwema([0, 1], [1], 0.5)).toThrow(/2 x values and 1 y values/);
    expect(() => smoothTwema([0], [1], 1.5)).toThrow(/between 0 and 1, got 1.5/);
  });
});
