/**
 * Turning k-wise rankings into the comparisons a Bradley-Terry reward model trains on.
 *
 * A ranking gives each response of one prompt a rank (lower is better; equal ranks are ties). Every pair with
 * different ranks is one comparison; ties give none. Weighting follows InstructGPT (Ouyang et al. 2022, eq. 1),
 * which averages the C(K,2) comparisons of a prompt so that prompts with many responses do not dominate
 * ("prompt"), or TRL's RewardTrainer, which averages all pairs alike ("pair"). The weights sum to 1.
 */
export interface Ranking {
  /** global index of this group's first response in the flat list of scored responses */
  start: number;
  ranks: number[];
}

export interface RankedPairs {
  chosen: number[];
  rejected: number[];
  weight: number[];
  /** rank of the rejected minus rank of the chosen response: 1 for neighbours, more for distant ranks */
  rankGap: number[];
}

export type PairWeighting = "prompt" | "pair";

export function rankingToPairs(rankings: Ranking[], weighting: PairWeighting): RankedPairs {
  const pairs: RankedPairs = { chosen: [], rejected: [], weight: [], rankGap: [] };
  const pairsPerGroup: number[] = [];
  const groupOfPair: number[] = [];
  rankings.forEach((ranking, g) => {
    let count = 0;
    ranking.ranks.forEach((ri, i) => {
      if (!Number.isFinite(ri)) throw new Error(`ranking ${g}: rank ${i} is ${ri}, expected a number`);
      ranking.ranks.forEach((rj, j) => {
        if (ri < rj) {
          pairs.chosen.push(ranking.start + i);
          pairs.rejected.push(ranking.start + j);
          pairs.rankGap.push(rj - ri);
          groupOfPair.push(g);
          count++;
        }
      });
    });
    pairsPerGroup.push(count);
  });
  const total = groupOfPair.length;
  const groupsWithPairs = pairsPerGroup.filter((c) => c > 0).length;
  pairs.weight = groupOfPair.map((g) =>
    weighting === "prompt" ? 1 / (groupsWithPairs * pairsPerGroup[g]) : 1 / total,
  );
  return pairs;
}
