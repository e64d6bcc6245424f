import { describe, expect, it } from "vitest";
import { bradleyTerryConsensus, rankedPairsConsensus, type WeightedRanking } from "./consensus";
import type { Ranking } from "./ranking";

const times = (ranking: Ranking, weight: number): WeightedRanking => ({ ranking, weight });

describe("bradleyTerryConsensus", () => {
  it("recovers the odds from head-to-head counts (3 wins to 1 gives strengths 3:1)", () => {
    const { scores, ranking } = bradleyTerryConsensus([times([["a"], ["b"]], 3), times([["b"], ["a"]], 1)], {
      prior: 0,
    });
    expect(scores.get("a")! / scores.get("b")!).toBeCloseTo(3, 9);
    expect(ranking).toEqual([["a"], ["b"]]);
  });

  it("ties every response of a perfect cycle", () => {
    const { ranking } = bradleyTerryConsensus([
      { ranking: [["a"], ["b"]] },
      { ranking: [["b"], ["c"]] },
      { ranking: [["c"], ["a"]] },
    ]);
    expect(ranking).toEqual([["a", "b", "c"]]);
  });

  it("keeps the ties of a single ranking", () => {
    const { ranking } = bradleyTerryConsensus([{ ranking: [["d"], ["b", "c"], ["a"]] }]);
    expect(ranking).toEqual([["d"], ["b", "c"], ["a"]]);
  });

  it("outvotes an outlier", () => {
    const { ranking } = bradleyTerryConsensus([
      times([["a"], ["b"], ["c"]], 3),
      { ranking: [["c"], ["b"], ["a"]] },
    ]);
    expect(ranking).toEqual([["a"], ["b"], ["c"]]);
  });

  it("solves the Bradley-Terry likelihood equations with the prior on random rankings", () => {
    const ids = ["a", "b", "c", "d", "e"];
    // Mixed, partly contradictory rankings with ties, so half-wins and the prior both matter.
    const rankings: WeightedRanking[] = [
      { ranking: [["a"], ["b"], ["c"], ["d"], ["e"]] },
      { ranking: [["b"], ["a"], ["e"], ["c", "d"]] },
      { ranking: [["c"], ["a", "b"], ["e"], ["d"]] },
      { ranking: [["a"], ["d"], ["b"], ["c"], ["e"]] },
      { ranking: [["e"], ["d"], ["c"], ["b"], ["a"]] },
      { ranking: [["a", "c"], ["b"], ["d", "e"]] },
      { ranking: [["d"], ["a"], ["c"], ["e"], ["b"]] },
    ];
    const prior = 0.5;
    const { scores } = bradleyTerryConsensus(rankings, { prior });
    // For each i: wins_i + prior = sum_j n_ij p_i / (p_i + p_j) + 2 prior p_i / (p_i + 1).
    const wins = new Map(ids.map((id) => [id, new Map(ids.map((other) => [other, 0]))]));
    for (const { ranking } of rankings) {
      ranking.forEach((group, g) =>
        ranking.forEach((other, h) => {
          if (h < g) return;
          for (const a of group)
            for (const b of other)
              if (a !== b) wins.get(a)!.set(b, wins.get(a)!.get(b)! + (g === h ? 0.5 : 1));
        }),
      );
    }
    for (const i of ids) {
      const p = scores.get(i)!;
      let expected = (2 * prior * p) / (p + 1);
      let observed = prior;
      for (const j of ids) {
        if (j === i) continue;
        observed += wins.get(i)!.get(j)!;
        expected += ((wins.get(i)!.get(j)! + wins.get(j)!.get(i)!) * p) / (p + scores.get(j)!);
      }
      expect(expected).toBeCloseTo(observed, 8);
    }
  });

  it("keeps strengths finite when a response never loses", () => {
    const { scores } = bradleyTerryConsensus([{ ranking: [["a"], ["b"], ["c"]] }]);
    expect(Number.isFinite(scores.get("a")!)).toBe(true);
    expect(scores.get("a")!).toBeGreaterThan(scores.get("b")!);
  });
});

describe("rankedPairsConsensus", () => {
  // Wikipedia's Tennessee capital example: ranked pairs gives Nashville > Chattanooga > Knoxville > Memphis.
  it("reproduces the Tennessee capital example", () => {
    const { ranking } = rankedPairsConsensus([
      times([["memphis"], ["nashville"], ["chattanooga"], ["knoxville"]], 42),
      times([["nashville"], ["chattanooga"], ["knoxville"], ["memphis"]], 26),
      times([["chattanooga"], ["knoxville"], ["nashville"], ["memphis"]], 15),
      times([["knoxville"], ["chattanooga"], ["nashville"], ["memphis"]], 17),
    ]);
    expect(ranking).toEqual([["nashville"], ["chattanooga"], ["knoxville"], ["memphis"]]);
  });

  it("breaks a cycle at its weakest majority", () => {
    // A Condorcet cycle (margins 1 each) plus a>b twice and b>c once: a>b by 3, b>c by 2, c>a by 1.
    const { ranking } = rankedPairsConsensus([
      { ranking: [["a"], ["b"], ["c"]] },
      { ranking: [["b"], ["c"], ["a"]] },
      { ranking: [["c"], ["a"], ["b"]] },
      times([["a"], ["b"]], 2),
      { ranking: [["b"], ["c"]] },
    ]);
    expect(ranking).toEqual([["a"], ["b"], ["c"]]);
  });

  it("keeps responses without a majority either way tied", () => {
    const { ranking } = rankedPairsConsensus([{ ranking: [["a"], ["b", "c"]] }]);
    expect(ranking).toEqual([["a"], ["b", "c"]]);
  });
});
