import { describe, expect, it } from "vitest";
import {
  kendallTauB,
  krippendorffAlpha,
  krippendorffAlphaByCoder,
  rankingAgreement,
  rankingTau,
  type Rating,
} from "./agreement";

/** A coders x units table (null = missing) as ratings. */
function table(rows: Record<string, (number | null)[]>): Rating[] {
  return Object.entries(rows).flatMap(([coder, values]) =>
    values.flatMap((value, unit) => (value === null ? [] : [{ unit: `u${unit + 1}`, coder, value }])),
  );
}

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: four observers, twelve units,
// values 1..5 with missing data. The paper gives alpha = 0.743 nominal, 0.815 ordinal, 0.849 interval.
const krippendorffExampleC = table({
  A: [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  B: [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  C: [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  D: [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
});

describe("krippendorffAlpha", () => {
  it("reproduces Krippendorff's worked example for nominal, ordinal and interval data", () => {
    expect(krippendorffAlpha(krippendorffExampleC, "nominal")).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(krippendorffExampleC, "ordinal")).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(krippendorffExampleC, "interval")).toBeCloseTo(0.849, 3);
  });

  it("reproduces the binary two-observer example (alpha = 0.095)", () => {
    const binary = table({ A: [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], B: [1, 1, 1, 0, 0, 1, 0, 0, 0, 0] });
    // 1 - (n - 1) * o_01 / (n_0 * n_1) = 1 - 19 * 4 / (14 * 6)
    expect(krippendorffAlpha(binary, "nominal")).toBeCloseTo(1 - 76 / 84, 12);
  });

  it("is 1 for perfect agreement and null when nothing varies or nothing overlaps", () => {
    const perfect = table({ A: [1, 2, 3], B: [1, 2, 3] });
    expect(krippendorffAlpha(perfect, "nominal")).toBe(1);
    expect(krippendorffAlpha(table({ A: [1, 1], B: [1, 1] }), "nominal")).toBeNull();
    expect(krippendorffAlpha(table({ A: [1, null], B: [null, 2] }), "nominal")).toBeNull();
  });

  it("accepts string categories for nominal data and rejects them for interval data", () => {
    const ratings: Rating[] = [
      { unit: "r1", coder: "ann", value: "spam" },
      { unit: "r1", coder: "bob", value: "spam" },
      { unit: "r2", coder: "ann", value: "ok" },
      { unit: "r2", coder: "bob", value: "ok" },
    ];
    expect(krippendorffAlpha(ratings, "nominal")).toBe(1);
    expect(() => krippendorffAlpha(ratings, "interval")).toThrow(/interval data needs numbers, unit "r1"/);
  });

  it("refuses a coder rating one unit twice", () => {
    const twice: Rating[] = [
      { unit: "u", coder: "a", value: 1 },
      { unit: "u", coder: "a", value: 2 },
    ];
    expect(() => krippendorffAlpha(twice, "nominal")).toThrow(/coder "a" rated unit "u" twice/);
  });
});

describe("krippendorffAlphaByCoder", () => {
  it("scores the annotator who disagrees lowest, and agrees with the overall alpha when all coders agree", () => {
    const ratings = table({
      A: [1, 2, 3, 4, 5, 1],
      B: [1, 2, 3, 4, 5, 1],
      C: [5, 4, 1, 2, 1, 3],
    });
    const byCoder = krippendorffAlphaByCoder(ratings, "interval");
    expect(byCoder.get("C")!).toBeLessThan(byCoder.get("A")!);
    expect(byCoder.get("A")).toBeCloseTo(byCoder.get("B")!, 12);
    const perfect = krippendorffAlphaByCoder(table({ A: [1, 2], B: [1, 2] }), "nominal");
    expect(Object.fromEntries(perfect)).toEqual({ A: 1, B: 1 });
  });
});

describe("kendallTauB", () => {
  // Reference values from scipy.stats.kendalltau (tau-b), including its documentation example.
  it("matches scipy on data with ties", () => {
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.4714045207910316, 12);
    expect(kendallTauB([0, 1, 1, 2], [0, 0, 1, 2])).toBeCloseTo(0.8, 12);
    expect(kendallTauB([0, 1, 1, 2, 3], [1, 0, 2, 2, 3])).toBeCloseTo(2 / 3, 12);
  });

  it("is +1 and -1 for identical and reversed orders, null for a constant side", () => {
    expect(kendallTauB([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(kendallTauB([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(() => kendallTauB([1], [1, 2])).toThrow(/lengths differ/);
  });
});

describe("rankingTau and rankingAgreement", () => {
  it("compares rankings with ties over the responses both ranked", () => {
    // Same as kendallTauB([0,1,1,2], [0,0,1,2]) = 0.8.
    expect(rankingTau([["a"], ["b", "c"], ["d"]], [["a", "b"], ["c"], ["d"]])).toBeCloseTo(0.8, 12);
    expect(rankingTau([["a"], ["b"]], [["b"], ["a"], ["x"]])).toBe(-1);
    expect(rankingTau([["a"], ["b"]], [["a"], ["c"]])).toBeNull();
  });

  it("averages tau over pairs of annotators per item and per annotator", () => {
    const agreement = rankingAgreement([
      { item: "p1", annotator: "ann", ranking: [["a"], ["b"], ["c"]] },
      { item: "p1", annotator: "bob", ranking: [["a"], ["b"], ["c"]] },
      { item: "p1", annotator: "eve", ranking: [["c"], ["b"], ["a"]] },
      { item: "p2", annotator: "ann", ranking: [["x"], ["y"]] },
    ]);
    // Pairs: ann-bob +1, ann-eve -1, bob-eve -1; p2 has only one ranking.
    expect(agreement.comparisons).toBe(3);
    expect(agreement.meanTau).toBeCloseTo(-1 / 3, 12);
    expect(agreement.byAnnotator.get("ann")).toEqual({ meanTau: 0, comparisons: 2 });
    expect(agreement.byAnnotator.get("eve")).toEqual({ meanTau: -1, comparisons: 2 });
  });
});
