/**
 * A k-wise ranking with ties: ordered groups of response ids, best group first. Responses in one group are tied.
 * Example: [["a"], ["b", "c"], ["d"]] means a > b = c > d.
 */
export type Ranking = readonly (readonly string[])[];

export interface PreferencePair {
  chosen: string;
  rejected: string;
}

export const MIN_RANKED_RESPONSES = 2;

/** Throws with the offending id or group when the ranking is not a partition of 2..N distinct responses. */
export function assertValidRanking(ranking: Ranking, expectedIds?: readonly string[]): void {
  const seen = new Set<string>();
  ranking.forEach((group, index) => {
    if (group.length === 0) throw new Error(`ranking: group ${index} is empty`);
    for (const id of group) {
      if (seen.has(id)) throw new Error(`ranking: response "${id}" appears more than once`);
      seen.add(id);
    }
  });
  if (seen.size < MIN_RANKED_RESPONSES) {
    throw new Error(`ranking: needs at least ${MIN_RANKED_RESPONSES} responses, got ${seen.size}`);
  }
  if (expectedIds) {
    const missing = expectedIds.filter((id) => !seen.has(id));
    if (missing.length > 0) throw new Error(`ranking: responses missing: ${missing.join(", ")}`);
    const expected = new Set(expectedIds);
    const extra = [...seen].filter((id) => !expected.has(id));
    if (extra.length > 0) throw new Error(`ranking: unknown responses: ${extra.join(", ")}`);
  }
}

/**
 * Every {chosen, rejected} pair the ranking implies: each response against every response in a lower group.
 * Tied responses give no pair. A full ranking of n responses gives n(n-1)/2 pairs.
 */
export function rankingToPreferencePairs(ranking: Ranking): PreferencePair[] {
  assertValidRanking(ranking);
  const pairs: PreferencePair[] = [];
  for (let upper = 0; upper < ranking.length; upper++) {
    for (let lower = upper + 1; lower < ranking.length; lower++) {
      for (const chosen of ranking[upper]) {
        for (const rejected of ranking[lower]) pairs.push({ chosen, rejected });
      }
    }
  }
  return pairs;
}

/**
 * The group index of each response (0 = best). Tied responses share an index, which is all that rank
 * correlations need: only the order of positions matters.
 */
export function rankingPositions(ranking: Ranking): Map<string, number> {
  const positions = new Map<string, number>();
  ranking.forEach((group, index) => group.forEach((id) => positions.set(id, index)));
  return positions;
}
