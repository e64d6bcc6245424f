/**
 * The Chinchilla loss law L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022, approach 3) fit to
 * finished runs (N parameters, D training tokens, final loss), and the compute-optimal split it implies.
 *
 * Fitting as the paper does: minimize the Huber loss (delta 1e-3) between log L and
 * log(exp(e) + exp(a - alpha log N) + exp(b - beta log D)) over (e, a, alpha, b, beta), from a grid of
 * starting points, keeping the best. Huber makes a few diverged or mis-logged runs matter little. The minimizer is
 * ml-levenberg-marquardt: Levenberg-Marquardt minimizes a sum of squares, so each residual r is replaced by
 * sign(r) * sqrt(2 huber(r)), whose square sums to the Huber objective; the analytic Jacobian is given.
 */
import { levenbergMarquardt } from "ml-levenberg-marquardt";

export interface ScalingRun {
  params: number;
  tokens: number;
  loss: number;
}

export interface ScalingLawFit {
  E: number;
  A: number;
  alpha: number;
  B: number;
  beta: number;
  /** Root mean squared error of the predicted losses, in loss units. */
  rmse: number;
  /** The Huber objective at the optimum (log space). */
  huberLoss: number;
}

export interface ScalingFitOptions {
  /** Huber threshold on log-loss residuals (the paper's 1e-3). */
  huberDelta?: number;
  /** Levenberg-Marquardt iterations per starting point. */
  maxIterations?: number;
}

const PARAMETER_COUNT = 5;
// Starting grid, coarser than the paper's (which it searched with L-BFGS) but covering the same ranges;
// e starts below the smallest loss since E is the part of the loss no model size or data removes.
const EXPONENT_STARTS = [0.2, 0.5, 0.8];
const SCALE_STARTS = [2, 8, 16];
const IRREDUCIBLE_SHARES = [0.3, 0.8];

export function predictLoss(
  fit: Pick<ScalingLawFit, "E" | "A" | "alpha" | "B" | "beta">,
  params: number,
  tokens: number,
): number {
  return fit.E + fit.A / params ** fit.alpha + fit.B / tokens ** fit.beta;
}

export function fitScalingLaw(runs: ScalingRun[], options: ScalingFitOptions = {}): ScalingLawFit {
  checkRuns(runs);
  const delta = options.huberDelta ?? 1e-3;
  const logN = runs.map((r) => Math.log(r.params));
  const logD = runs.map((r) => Math.log(r.tokens));
  const logL = runs.map((r) => Math.log(r.loss));
  const minLoss = Math.min(...runs.map((r) => r.loss));

  /** For run i at theta: the log-space residual and its gradient over theta. */
  const residual = (theta: number[], i: number): { r: number; grad: number[] } => {
    const [e, a, alpha, b, beta] = theta;
    const termE = Math.exp(e);
    const termN = Math.exp(a - alpha * logN[i]);
    const termD = Math.exp(b - beta * logD[i]);
    const total = termE + termN + termD;
    return {
      r: Math.log(total) - logL[i],
      grad: [
        termE / total,
        termN / total,
        (-logN[i] * termN) / total,
        termD / total,
        (-logD[i] * termD) / total,
      ],
    };
  };
  // Squared, these sum to twice the Huber objective; their slope is huber'(r) / rootHuber(r) * dr.
  const rootHuber = (r: number) =>
    Math.abs(r) <= delta ? r : Math.sign(r) * Math.sqrt(2 * delta * Math.abs(r) - delta * delta);
  const rootHuberSlope = (r: number) =>
    Math.abs(r) <= delta ? 1 : delta / Math.sqrt(2 * delta * Math.abs(r) - delta * delta);

  const data = { x: runs.map((_, i) => i), y: new Array(runs.length).fill(0) };
  const model = (theta: number[]) => (i: number) => rootHuber(residual(theta, i).r);
  const jacobian = (theta: number[]) => (i: number) => {
    const { r, grad } = residual(theta, i);
    const slope = rootHuberSlope(r);
    return grad.map((g) => g * slope);
  };
  const bounds = {
    minValues: [-20, -20, 0, -20, 0],
    maxValues: [Math.log(minLoss), 60, 3, 60, 3],
  };

  let best: { theta: number[]; objective: number } | null = null;
  for (const share of IRREDUCIBLE_SHARES) {
    for (const a of SCALE_STARTS) {
      for (const alpha of EXPONENT_STARTS) {
        for (const b of SCALE_STARTS) {
          for (const beta of EXPONENT_STARTS) {
            const result = levenbergMarquardt(data, model, {
              initialValues: [Math.log(share * minLoss), a, alpha, b, beta],
              jacobianFunction: jacobian,
              maxIterations: options.maxIterations ?? 60,
              errorTolerance: 0,
              ...bounds,
            });
            const objective = result.parameterError / 2;
            if (Number.isFinite(objective) && (best === null || objective < best.objective))
              best = { theta: result.parameterValues, objective };
          }
        }
      }
    }
  }
  if (best === null) throw new Error("fitScalingLaw: no starting point converged to a finite loss");
  const [e, a, alpha, b, beta] = best.theta;
  const fit = { E: Math.exp(e), A: Math.exp(a), alpha, B: Math.exp(b), beta };
  const rmse = Math.sqrt(
    runs.reduce((s, r) => s + (predictLoss(fit, r.params, r.tokens) - r.loss) ** 2, 0) / runs.length,
  );
  return { ...fit, rmse, huberLoss: best.objective };
}

function checkRuns(runs: ScalingRun[]): void {
  if (runs.length < PARAMETER_COUNT + 1) {
    throw new RangeError(
      `fitScalingLaw: ${runs.length} runs cannot pin down 5 parameters; give at least ${PARAMETER_COUNT + 1}`,
    );
  }
  for (const [i, r] of runs.entries()) {
    for (const key of ["params", "tokens", "loss"] as const) {
      if (!(Number.isFinite(r[key]) && r[key] > 0))
        throw new RangeError(`fitScalingLaw: run ${i} has ${key} ${r[key]}; it must be a positive number`);
    }
  }
  if (new Set(runs.map((r) => r.params)).size < 2)
    throw new RangeError("fitScalingLaw: every run has the same parameter count; alpha is undetermined");
  if (new Set(runs.map((r) => r.tokens)).size < 2)
    throw new RangeError("fitScalingLaw: every run saw the same token count; beta is undetermined");
}

/**
 * The model size and token count that minimize the fitted loss for a compute budget C = 6 N D FLOPs:
 * N = G (C/6)^(beta/(alpha+beta)), D = (C/6)^(alpha/(alpha+beta)) / G, with G = (alpha A / (beta B))^(1/(alpha+beta)).
 */
export function chinchillaOptimal(
  computeFlops: number,
  fit: Pick<ScalingLawFit, "E" | "A" | "alpha" | "B" | "beta">,
): { params: number; tokens: number; loss: number } {
  if (!(computeFlops > 0))
    throw new RangeError(`chinchillaOptimal: compute must be > 0 FLOPs, got ${computeFlops}`);
  const { A, alpha, B, beta } = fit;
  const g = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta));
  const c = computeFlops / 6;
  const params = g * c ** (beta / (alpha + beta));
  const tokens = c ** (alpha / (alpha + beta)) / g;
  return { params, tokens, loss: predictLoss(fit, params, tokens) };
}
