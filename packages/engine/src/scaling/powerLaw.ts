/**
 * L(C) = a * C^-b, fit by least squares on log L = log a - b log C (exact, closed form): the compute-only
 * scaling curve, for runs that all sit near the compute-optimal frontier.
 */
export interface PowerLawFit {
  a: number;
  b: number;
  /** Coefficient of determination of the log-log fit. */
  r2: number;
}

export function fitPowerLaw(points: Array<{ compute: number; loss: number }>): PowerLawFit {
  if (points.length < 2) throw new RangeError(`fitPowerLaw: needs at least 2 points, got ${points.length}`);
  for (const [i, p] of points.entries()) {
    if (!(p.compute > 0) || !(p.loss > 0))
      throw new RangeError(
        `fitPowerLaw: point ${i} has compute ${p.compute} and loss ${p.loss}; both must be > 0`,
      );
  }
  const xs = points.map((p) => Math.log(p.compute));
  const ys = points.map((p) => Math.log(p.loss));
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0)
    throw new RangeError("fitPowerLaw: every point has the same compute; the exponent is undetermined");
  const slope = sxy / sxx;
  const residual = syy - slope * sxy;
  return { a: Math.exp(my - slope * mx), b: -slope, r2: syy === 0 ? 1 : 1 - residual / syy };
}
