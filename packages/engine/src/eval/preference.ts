/**
 * Reward-model and head-to-head evaluation: how often the preferred response scores higher, the Bradley-Terry
 * loss, and win rates with a confidence interval. Ties count as half a win throughout, so a model that scores
 * everything equal gets 0.5, not 0 or 1.
 */

function checkPairs(name: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length)
    throw new RangeError(`${name}: ${a.length} scores against ${b.length}; the two lists must pair up`);
  if (a.length === 0) throw new RangeError(`${name}: no pairs`);
}

/** Share of pairs where the chosen response scores above the rejected one (ties: half). */
export function pairwiseAccuracy(chosenScores: ArrayLike<number>, rejectedScores: ArrayLike<number>): number {
  checkPairs("pairwiseAccuracy", chosenScores, rejectedScores);
  let correct = 0;
  for (let i = 0; i < chosenScores.length; i++) {
    const d = chosenScores[i] - rejectedScores[i];
    correct += d > 0 ? 1 : d === 0 ? 0.5 : 0;
  }
  return correct / chosenScores.length;
}

/** Mean -log sigmoid(chosen - rejected), the reward model's training loss (stable for large margins). */
export function bradleyTerryLoss(chosenScores: ArrayLike<number>, rejectedScores: ArrayLike<number>): number {
  checkPairs("bradleyTerryLoss", chosenScores, rejectedScores);
  let sum = 0;
  for (let i = 0; i < chosenScores.length; i++) sum += softplus(rejectedScores[i] - chosenScores[i]);
  return sum / chosenScores.length;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The reward-model evaluation under the metric names of DESIGN.md (`rewards/...`). */
export function summarizeRewardEval(
  chosenScores: ArrayLike<number>,
  rejectedScores: ArrayLike<number>,
): Record<string, number> {
  checkPairs("summarizeRewardEval", chosenScores, rejectedScores);
  const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
  const chosen = mean(chosenScores);
  const rejected = mean(rejectedScores);
  return {
    "rewards/accuracies": pairwiseAccuracy(chosenScores, rejectedScores),
    "rewards/chosen": chosen,
    "rewards/rejected": rejected,
    "rewards/margins": chosen - rejected,
    "eval/loss": bradleyTerryLoss(chosenScores, rejectedScores),
  };
}

export interface WinRate {
  /** (wins + ties / 2) / n */
  winRate: number;
  wins: number;
  losses: number;
  ties: number;
  n: number;
  /** 95% Wilson score interval for the win rate. */
  low: number;
  high: number;
}

/** Win rate of A over B from per-prompt scores (a judge's or reward model's), scoreA[i] against scoreB[i]. */
export function winRate(scoresA: ArrayLike<number>, scoresB: ArrayLike<number>): WinRate {
  checkPairs("winRate", scoresA, scoresB);
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < scoresA.length; i++) {
    if (scoresA[i] > scoresB[i]) wins++;
    else if (scoresA[i] < scoresB[i]) losses++;
  }
  const n = scoresA.length;
  const ties = n - wins - losses;
  const p = (wins + ties / 2) / n;
  return { winRate: p, wins, losses, ties, n, ...wilsonInterval(p, n) };
}

/** Wilson score interval at 95%: unlike p ± 1.96·se it stays inside [0, 1] and is sane for small n. */
export function wilsonInterval(p: number, n: number, z = 1.959963984540054): { low: number; high: number } {
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}
