/**
 * Consensus ranking from several annotators' rankings of the same responses.
 *
 * Bradley-Terry (the default): each ranking contributes a win for every implied pair and half a win to each
 * side of a tie; strengths p_i are fitted by Hunter's (2004) MM iteration
 *     p_i <- W_i / sum_j n_ij / (p_i + p_j).
 * A small prior - `prior` wins and `prior` losses against a virtual opponent of strength 1 - keeps strengths
 * finite when a response never loses and pins the scale, so no renormalisation is needed. Responses whose
 * strengths are equal (within 1e-9 relative) form one tied group of the consensus.
 *
 * Ranked pairs (Tideman): pairwise majorities sorted by margin are locked in unless they close a cycle; the
 * consensus is the layering of the locked graph. It is a Condorcet method, robust to a single outlier ranking.
 */
import type { Ranking } from "./ranking";
import { assertValidRanking } from "./ranking";

export interface WeightedRanking {
  ranking: Ranking;
  /** How many times this ranking was given (1 unless aggregated). */
  weight?: number;
}

export interface Consensus {
  ranking: string[][];
  /** Bradley-Terry strengths (prior opponent = 1) or ranked-pairs Copeland-like layer scores. */
  scores: Map<string, number>;
}

/** wins[a][b]: how often a was ranked above b, ties counting half to each side. */
function pairwiseWins(rankings: readonly WeightedRanking[]): { ids: string[]; wins: number[][] } {
  const ids = [...new Set(rankings.flatMap(({ ranking }) => ranking.flat()))].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const wins = ids.map(() => ids.map(() => 0));
  for (const { ranking, weight = 1 } of rankings) {
    assertValidRanking(ranking);
    ranking.forEach((group, g) => {
      for (const a of group) {
        for (let h = g; h < ranking.length; h++) {
          for (const b of ranking[h]) {
            if (a === b) continue;
            const share = h === g ? weight / 2 : weight;
            wins[index.get(a)!][index.get(b)!] += share;
          }
        }
      }
    });
  }
  return { ids, wins };
}

/** Groups ids by score, best first; scores within `tolerance` relative of the group's first are tied. */
function groupByScore(scores: Map<string, number>, tolerance: number): string[][] {
  const ordered = [...scores].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  const groups: string[][] = [];
  let groupScore = Number.NaN;
  for (const [id, score] of ordered) {
    if (
      groups.length > 0 &&
      Math.abs(score - groupScore) <= tolerance * Math.max(Math.abs(groupScore), 1e-300)
    ) {
      groups[groups.length - 1].push(id);
    } else {
      groups.push([id]);
      groupScore = score;
    }
  }
  return groups;
}

export interface BradleyTerryOptions {
  prior?: number;
  maxIterations?: number;
  tolerance?: number;
}

export function bradleyTerryConsensus(
  rankings: readonly WeightedRanking[],
  { prior = 0.1, maxIterations = 10_000, tolerance = 1e-12 }: BradleyTerryOptions = {},
): Consensus {
  const { ids, wins } = pairwiseWins(rankings);
  const n = ids.length;
  const totalWins = ids.map((_, i) => wins[i].reduce((a, b) => a + b, 0) + prior);
  let strength = ids.map(() => 1);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = strength.map((p_i, i) => {
      let denominator = (2 * prior) / (p_i + 1);
      for (let j = 0; j < n; j++) {
        const games = wins[i][j] + wins[j][i];
        if (j !== i && games > 0) denominator += games / (p_i + strength[j]);
      }
      return denominator === 0 ? p_i : totalWins[i] / denominator;
    });
    const change = Math.max(...next.map((p, i) => Math.abs(p - strength[i]) / strength[i]));
    strength = next;
    if (change < tolerance) break;
  }
  const scores = new Map(ids.map((id, i) => [id, strength[i]]));
  return { ranking: groupByScore(scores, 1e-9), scores };
}

export function rankedPairsConsensus(rankings: readonly WeightedRanking[]): Consensus {
  const { ids, wins } = pairwiseWins(rankings);
  const n = ids.length;
  const majorities: { winner: number; loser: number; margin: number; support: number }[] = [];
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const margin = wins[a][b] - wins[b][a];
      if (margin > 0) majorities.push({ winner: a, loser: b, margin, support: wins[a][b] });
    }
  }
  // Strongest majority first; ties on margin broken by support, then by id so the result is deterministic.
  majorities.sort(
    (x, y) =>
      y.margin - x.margin ||
      y.support - x.support ||
      ids[x.winner].localeCompare(ids[y.winner]) ||
      ids[x.loser].localeCompare(ids[y.loser]),
  );
  const locked = ids.map(() => new Set<number>());
  const reaches = (from: number, to: number): boolean => {
    const stack = [from];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node === to) return true;
      if (seen.has(node)) continue;
      seen.add(node);
      stack.push(...locked[node]);
    }
    return false;
  };
  for (const { winner, loser } of majorities) {
    if (!reaches(loser, winner)) locked[winner].add(loser);
  }
  // Layering: each layer is every remaining response that no remaining response beats.
  const remaining = new Set(ids.map((_, i) => i));
  const ranking: string[][] = [];
  while (remaining.size > 0) {
    const layer = [...remaining].filter((i) => ![...remaining].some((j) => locked[j].has(i)));
    ranking.push(layer.map((i) => ids[i]));
    layer.forEach((i) => remaining.delete(i));
  }
  const scores = new Map(ranking.flatMap((layer, depth) => layer.map((id) => [id, ranking.length - depth])));
  return { ranking, scores };
}
