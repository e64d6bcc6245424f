/**
 * Inter-annotator agreement: Krippendorff's alpha for labels (nominal flags, ordinal or interval Likert scores)
 * and Kendall's tau-b for rankings with ties. Both return null where they are undefined (no variation, too
 * little overlap) rather than a misleading number.
 */
import { type Ranking, rankingPositions } from "./ranking";

export type AlphaLevel = "nominal" | "ordinal" | "interval";

/** One annotator's value for one unit (an item x question, such as "response 17 / spam"). */
export interface Rating {
  unit: string;
  coder: string;
  value: string | number;
}

interface Coincidences {
  /** Distinct values, sorted ascending for ordinal and interval data. */
  values: (string | number)[];
  /** Squared distance between value indices, per level of measurement. */
  delta2: (c: number, k: number) => number;
  /** n_c: how many pairable values equal values[c]. */
  marginals: number[];
  total: number;
  /** The pairable units: each coder's value index. */
  units: Map<string, number>[];
}

function buildCoincidences(ratings: readonly Rating[], level: AlphaLevel): Coincidences {
  const byUnit = new Map<string, Map<string, string | number>>();
  for (const { unit, coder, value } of ratings) {
    if (level !== "nominal" && typeof value !== "number") {
      throw new Error(`alpha: ${level} data needs numbers, unit "${unit}" has ${JSON.stringify(value)}`);
    }
    const coders = byUnit.get(unit) ?? new Map<string, string | number>();
    if (coders.has(coder)) throw new Error(`alpha: coder "${coder}" rated unit "${unit}" twice`);
    coders.set(coder, value);
    byUnit.set(unit, coders);
  }
  // A unit coded by one annotator only has nothing to agree with, so it does not count.
  const pairable = [...byUnit.values()].filter((coders) => coders.size >= 2);
  const values = [...new Set(pairable.flatMap((coders) => [...coders.values()]))];
  if (level !== "nominal") values.sort((a, b) => (a as number) - (b as number));
  const indexOf = new Map(values.map((v, i) => [v, i]));
  const units = pairable.map((coders) => new Map([...coders].map(([coder, v]) => [coder, indexOf.get(v)!])));

  const marginals = values.map(() => 0);
  for (const unit of units) for (const index of unit.values()) marginals[index] += 1;
  const total = marginals.reduce((a, b) => a + b, 0);

  const delta2 = (c: number, k: number): number => {
    if (level === "nominal") return c === k ? 0 : 1;
    if (level === "interval") return ((values[c] as number) - (values[k] as number)) ** 2;
    // Ordinal: the distance is how many pairable values lie between the two ranks (Krippendorff 2011, eq. for
    // ordinal metric), so a scale point nobody uses does not stretch it.
    const [lo, hi] = c < k ? [c, k] : [k, c];
    let between = 0;
    for (let g = lo; g <= hi; g++) between += marginals[g];
    return (between - (marginals[c] + marginals[k]) / 2) ** 2;
  };
  return { values, delta2, marginals, total, units };
}

function expectedDisagreement({ marginals, total, delta2 }: Coincidences): number {
  let sum = 0;
  for (let c = 0; c < marginals.length; c++) {
    for (let k = 0; k < marginals.length; k++) sum += marginals[c] * marginals[k] * delta2(c, k);
  }
  return sum / (total * (total - 1));
}

/** Observed disagreement of one unit's pairs that involve `onlyCoder` (or all pairs), weighted 1/(m_u - 1). */
function unitDisagreement(
  unit: Map<string, number>,
  delta2: Coincidences["delta2"],
  onlyCoder?: string,
): number {
  const entries = [...unit];
  let sum = 0;
  for (const [coderA, a] of entries) {
    if (onlyCoder !== undefined && coderA !== onlyCoder) continue;
    for (const [coderB, b] of entries) if (coderA !== coderB) sum += delta2(a, b);
  }
  return sum / (unit.size - 1);
}

/**
 * Krippendorff's alpha = 1 - D_o / D_e over the coincidence matrix, for any number of coders and missing values.
 * Null when fewer than two pairable values exist or every pairable value is the same (D_e = 0).
 */
export function krippendorffAlpha(ratings: readonly Rating[], level: AlphaLevel): number | null {
  const data = buildCoincidences(ratings, level);
  if (data.total < 2) return null;
  const expected = expectedDisagreement(data);
  if (expected === 0) return null;
  const observed =
    data.units.reduce((sum, unit) => sum + unitDisagreement(unit, data.delta2), 0) / data.total;
  return 1 - observed / expected;
}

/**
 * Per-annotator alpha: the observed disagreement of only the pairs that involve that annotator, against the
 * expected disagreement of the whole data. An annotator who always agrees with the others scores 1; one who
 * disagrees as much as chance scores about 0. Annotators with no pairable unit are left out.
 */
export function krippendorffAlphaByCoder(
  ratings: readonly Rating[],
  level: AlphaLevel,
): Map<string, number | null> {
  const data = buildCoincidences(ratings, level);
  const result = new Map<string, number | null>();
  const expected = data.total >= 2 ? expectedDisagreement(data) : 0;
  const coders = new Set(data.units.flatMap((unit) => [...unit.keys()]));
  for (const coder of coders) {
    const units = data.units.filter((unit) => unit.has(coder));
    const observed =
      units.reduce((sum, unit) => sum + unitDisagreement(unit, data.delta2, coder), 0) / units.length;
    result.set(coder, expected === 0 ? null : 1 - observed / expected);
  }
  return result;
}

/** Kendall's tau-b, which corrects for ties on either side. Null when either side is constant. */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error(`kendallTauB: lengths differ (${x.length} vs ${y.length})`);
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx * dy > 0) concordant++;
      else if (dx * dy < 0) discordant++;
    }
  }
  const pairs = (x.length * (x.length - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  return denominator === 0 ? null : (concordant - discordant) / denominator;
}

/** Tau-b between two rankings over the responses both ranked. */
export function rankingTau(a: Ranking, b: Ranking): number | null {
  const positionsA = rankingPositions(a);
  const positionsB = rankingPositions(b);
  const common = [...positionsA.keys()].filter((id) => positionsB.has(id));
  if (common.length < 2) return null;
  return kendallTauB(
    common.map((id) => positionsA.get(id)!),
    common.map((id) => positionsB.get(id)!),
  );
}

export interface AnnotatedRanking {
  /** What was ranked (a prompt's ranking task); only rankings of the same item are compared. */
  item: string;
  annotator: string;
  ranking: Ranking;
}

export interface RankingAgreement {
  /** Mean tau-b over every pair of rankings of the same item by two different annotators. */
  meanTau: number | null;
  comparisons: number;
  byAnnotator: Map<string, { meanTau: number | null; comparisons: number }>;
}

export function rankingAgreement(rankings: readonly AnnotatedRanking[]): RankingAgreement {
  const byItem = new Map<string, AnnotatedRanking[]>();
  for (const r of rankings) byItem.set(r.item, [...(byItem.get(r.item) ?? []), r]);

  const all: number[] = [];
  const perAnnotator = new Map<string, number[]>();
  for (const r of rankings) perAnnotator.set(r.annotator, []);
  for (const group of byItem.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        if (group[i].annotator === group[j].annotator) continue;
        const tau = rankingTau(group[i].ranking, group[j].ranking);
        if (tau === null) continue;
        all.push(tau);
        perAnnotator.get(group[i].annotator)!.push(tau);
        perAnnotator.get(group[j].annotator)!.push(tau);
      }
    }
  }
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    meanTau: mean(all),
    comparisons: all.length,
    byAnnotator: new Map(
      [...perAnnotator].map(([annotator, taus]) => [
        annotator,
        { meanTau: mean(taus), comparisons: taus.length },
      ]),
    ),
  };
}
