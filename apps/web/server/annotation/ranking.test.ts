import { describe, expect, it } from "vitest";
import { assertValidRanking, rankingPositions, rankingToPreferencePairs } from "./ranking";

describe("rankingToPreferencePairs", () => {
  it("expands a strict ranking of n responses into n(n-1)/2 pairs", () => {
    const pairs = rankingToPreferencePairs([["a"], ["b"], ["c"], ["d"]]);
    expect(pairs).toHaveLength(6);
    expect(pairs).toEqual([
      { chosen: "a", rejected: "b" },
      { chosen: "a", rejected: "c" },
      { chosen: "a", rejected: "d" },
      { chosen: "b", rejected: "c" },
      { chosen: "b", rejected: "d" },
      { chosen: "c", rejected: "d" },
    ]);
  });

  it("skips pairs inside a tie", () => {
    const pairs = rankingToPreferencePairs([["a"], ["b", "c"], ["d"]]);
    expect(pairs).toEqual([
      { chosen: "a", rejected: "b" },
      { chosen: "a", rejected: "c" },
      { chosen: "a", rejected: "d" },
      { chosen: "b", rejected: "d" },
      { chosen: "c", rejected: "d" },
    ]);
    expect(pairs.some((p) => [p.chosen, p.rejected].sort().join() === "b,c")).toBe(false);
  });

  it("gives no pairs when everything is tied", () => {
    expect(rankingToPreferencePairs([["a", "b", "c"]])).toEqual([]);
  });

  it("rejects repeated, empty and too-small rankings, naming the problem", () => {
    expect(() => rankingToPreferencePairs([["a"], ["a"]])).toThrow(/"a" appears more than once/);
    expect(() => rankingToPreferencePairs([["a"], [], ["b"]])).toThrow(/group 1 is empty/);
    expect(() => rankingToPreferencePairs([["a"]])).toThrow(/at least 2 responses/);
  });
});

describe("assertValidRanking", () => {
  it("checks the ranking covers exactly the expected responses", () => {
    expect(() => assertValidRanking([["a"], ["b"]], ["a", "b", "c"])).toThrow(/missing: c/);
    expect(() => assertValidRanking([["a"], ["b", "x"]], ["a", "b"])).toThrow(/unknown responses: x/);
    expect(() => assertValidRanking([["b"], ["a"]], ["a", "b"])).not.toThrow();
  });
});

describe("rankingPositions", () => {
  it("gives tied responses the same position", () => {
    const positions = rankingPositions([["a"], ["b", "c"], ["d"]]);
    expect(Object.fromEntries(positions)).toEqual({ a: 0, b: 1, c: 1, d: 2 });
  });
});
