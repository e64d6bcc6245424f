/**
 * Length-controlled win rate, AlpacaEval 2 style (Dubois et al. 2024): a logistic regression of the judge's
 * preference (1 policy wins, 0 parent wins, 0.5 tie) on the length difference of the two answers, read at a
 * length difference of zero. Fitted by Newton's method on [1, standardized difference]; a lightly ridge-penalised
 * slope keeps the fit finite when lengths separate the outcomes perfectly.
 */
export function lengthControlledWinRate(outcomes: number[], lengthDiffs: number[]): number {
  const n = outcomes.length;
  if (n === 0) return Number.NaN;
  const mean = lengthDiffs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(lengthDiffs.reduce((a, d) => a + (d - mean) ** 2, 0) / n) || 1;
  const x = lengthDiffs.map((d) => d / sd);
  const ridge = 1e-2;
  let b0 = 0;
  let b1 = 0;
  for (let iter = 0; iter < 50; iter++) {
    let g0 = 0;
    let g1 = -ridge * b1;
    let h00 = 1e-9;
    let h01 = 0;
    let h11 = ridge;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(b0 + b1 * x[i])));
      const w = p * (1 - p);
      g0 += outcomes[i] - p;
      g1 += (outcomes[i] - p) * x[i];
      h00 += w;
      h01 += w * x[i];
      h11 += w * x[i] * x[i];
    }
    const det = h00 * h11 - h01 * h01;
    const d0 = (h11 * g0 - h01 * g1) / det;
    const d1 = (h00 * g1 - h01 * g0) / det;
    b0 += d0;
    b1 += d1;
    if (Math.abs(d0) + Math.abs(d1) < 1e-10) break;
  }
  return 1 / (1 + Math.exp(-b0));
}

/** 1 when a beats b, 0 when b beats a, 0.5 for a tie. */
export const preference = (a: number, b: number) => (a > b ? 1 : a < b ? 0 : 0.5);

export const mean = (values: number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
