/**
 * Arena leaderboard maths, following Chatbot Arena (FastChat's elo_analysis.py):
 * - Bradley-Terry ratings by maximum likelihood: a logistic regression on the battles where P(a beats b) =
 *   1 / (1 + 10^((r_b - r_a) / 400)); a tie (either kind) counts as half a win for each side. The likelihood
 *   fixes ratings only up to a shift, so they are anchored: their mean is 1000.
 * - 95% intervals from bootstrap rounds (battles resampled with replacement, seeded, so a page shows the same
 *   intervals on every load of the same battles).
 * - Online Elo (k = 4) in battle order, the pairwise win-rate matrix and battle counts per pair.
 */

export const WINNERS = ["model_a", "model_b", "tie", "tie (bothbad)"] as const;
export type Winner = (typeof WINNERS)[number];

export interface RatedBattle {
  modelA: string;
  modelB: string;
  winner: Winner;
}

export const SCALE = 400;
export const BASE = 10;
export const ANCHOR = 1000;
export const ELO_K = 4;

/** Points that model a scores in a battle: 1 win, 0.5 tie, 0 loss. */
export function scoreOfA(winner: Winner): number {
  return winner === "model_a" ? 1 : winner === "model_b" ? 0 : 0.5;
}

/** Model names in a stable order (alphabetical), the index of every row and column below. */
export function modelsOf(battles: RatedBattle[]): string[] {
  return [...new Set(battles.flatMap((b) => [b.modelA, b.modelB]))].sort();
}

/**
 * A ridge this small moves a well-posed solution by far less than a rating point, and keeps a model that never
 * lost (whose unpenalised rating is infinite) finite.
 */
const RIDGE = 1e-6;
const MAX_NEWTON_STEPS = 200;
const MAX_STEP = 2;

/**
 * Maximum-likelihood Bradley-Terry ratings. Newton's method on the log-likelihood of the pair tallies (each
 * battle contributes its score to i over j and the rest to j over i), which is concave; a few steps suffice.
 */
export function bradleyTerry(battles: RatedBattle[], models = modelsOf(battles)): Map<string, number> {
  const n = models.length;
  const index = new Map(models.map((m, i) => [m, i]));
  // score[i][j]: points i took from j; games[i][j]: battles between them (symmetric)
  const score = square(n);
  const games = square(n);
  for (const b of battles) {
    const i = index.get(b.modelA);
    const j = index.get(b.modelB);
    if (i === undefined || j === undefined)
      throw new Error(
        `bradleyTerry: battle between ${b.modelA} and ${b.modelB} names a model not in the list`,
      );
    if (i === j) throw new Error(`bradleyTerry: a battle of ${b.modelA} against itself cannot be rated`);
    const s = scoreOfA(b.winner);
    score[i][j] += s;
    score[j][i] += 1 - s;
    games[i][j] += 1;
    games[j][i] += 1;
  }
  // beta in natural log-odds units: P(i beats j) = sigmoid(beta_i - beta_j)
  const beta = new Array<number>(n).fill(0);
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    const gradient = beta.map((b) => -RIDGE * b);
    const hessian = square(n);
    for (let i = 0; i < n; i++) {
      hessian[i][i] += RIDGE;
      for (let j = 0; j < n; j++) {
        if (i === j || games[i][j] === 0) continue;
        const p = 1 / (1 + Math.exp(beta[j] - beta[i]));
        gradient[i] += score[i][j] - games[i][j] * p;
        const w = games[i][j] * p * (1 - p);
        hessian[i][i] += w;
        hessian[i][j] -= w;
      }
    }
    const delta = solve(hessian, gradient);
    const largest = Math.max(0, ...delta.map(Math.abs));
    // a damped step while far from the optimum: near-separable data (a model that never lost) overshoots
    const damping = largest > MAX_STEP ? MAX_STEP / largest : 1;
    for (let i = 0; i < n; i++) beta[i] += damping * delta[i];
    if (largest < 1e-10) break;
  }
  const mean = beta.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  const perUnit = SCALE / Math.log(BASE);
  return new Map(models.map((m, i) => [m, ANCHOR + perUnit * (beta[i] - mean)]));
}

export interface RatingInterval {
  rating: number;
  lower: number;
  upper: number;
}

/** A small seeded generator (mulberry32): bootstrap rounds must be reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/**
 * Point ratings from all battles, and the 2.5% and 97.5% quantiles of ratings fitted on `rounds` resamples.
 * A model missing from a resample keeps no rating in that round (its interval comes from the others).
 */
export function bootstrapIntervals(
  battles: RatedBattle[],
  options: { rounds?: number; seed?: number } = {},
): Map<string, RatingInterval> {
  const rounds = options.rounds ?? 100;
  const random = seededRandom(options.seed ?? 42);
  const models = modelsOf(battles);
  const point = bradleyTerry(battles, models);
  const samples = new Map(models.map((m) => [m, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    const resample = battles.map(() => battles[Math.floor(random() * battles.length)]);
    for (const [model, rating] of bradleyTerry(resample)) samples.get(model)!.push(rating);
  }
  return new Map(
    models.map((m) => {
      const sorted = samples.get(m)!.sort((a, b) => a - b);
      const rating = point.get(m)!;
      if (sorted.length === 0) return [m, { rating, lower: rating, upper: rating }];
      return [m, { rating, lower: quantile(sorted, 0.025), upper: quantile(sorted, 0.975) }];
    }),
  );
}

/** Online Elo in the order given (the order votes arrived), every model starting at 1000. */
export function onlineElo(battles: RatedBattle[], k = ELO_K): Map<string, number> {
  const rating = new Map<string, number>();
  for (const b of battles) {
    const ra = rating.get(b.modelA) ?? ANCHOR;
    const rb = rating.get(b.modelB) ?? ANCHOR;
    const expectedA = 1 / (1 + BASE ** ((rb - ra) / SCALE));
    const sa = scoreOfA(b.winner);
    rating.set(b.modelA, ra + k * (sa - expectedA));
    rating.set(b.modelB, rb + k * (1 - sa - (1 - expectedA)));
  }
  return rating;
}

export interface PairTable {
  models: string[];
  /** battles[i][j]: battles between models i and j, ties included (symmetric) */
  battles: number[][];
  /** winRate[i][j]: share of the decisive battles between i and j that i won; null when there were none */
  winRate: (number | null)[][];
}

export function pairTable(battles: RatedBattle[], models = modelsOf(battles)): PairTable {
  const index = new Map(models.map((m, i) => [m, i]));
  const count = square(models.length);
  const wins = square(models.length);
  for (const b of battles) {
    const i = index.get(b.modelA)!;
    const j = index.get(b.modelB)!;
    count[i][j] += 1;
    count[j][i] += 1;
    if (b.winner === "model_a") wins[i][j] += 1;
    if (b.winner === "model_b") wins[j][i] += 1;
  }
  const winRate = wins.map((row, i) =>
    row.map((w, j) => (w + wins[j][i] === 0 ? null : w / (w + wins[j][i]))),
  );
  return { models, battles: count, winRate };
}

export interface LeaderboardRow extends RatingInterval {
  model: string;
  /** 1 + the number of models whose lower bound is above this one's upper bound (Chatbot Arena's rank) */
  rank: number;
  elo: number;
  battles: number;
}

export interface Leaderboard {
  rows: LeaderboardRow[];
  pairs: PairTable;
  totalBattles: number;
}

/** Everything the leaderboard page shows, best first. */
export function leaderboard(
  battles: RatedBattle[],
  options: { rounds?: number; seed?: number } = {},
): Leaderboard {
  const intervals = bootstrapIntervals(battles, options);
  const elo = onlineElo(battles);
  const pairs = pairTable(battles);
  const rows = pairs.models.map((model, i) => ({
    model,
    ...intervals.get(model)!,
    elo: elo.get(model)!,
    battles: pairs.battles[i].reduce((a, b) => a + b, 0),
    rank: 0,
  }));
  for (const row of rows) row.rank = 1 + rows.filter((other) => other.lower > row.upper).length;
  rows.sort((a, b) => b.rating - a.rating);
  return { rows, pairs, totalBattles: battles.length };
}

function square(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small: one row per model). */
function solve(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r][n];
    for (let c = r + 1; c < n; c++) sum -= a[r][c] * x[c];
    x[r] = sum / a[r][r];
  }
  return x;
}
