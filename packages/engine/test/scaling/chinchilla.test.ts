import { describe, expect, it } from "vitest";
import {
  chinchillaOptimal,
  fitScalingLaw,
  predictLoss,
  type ScalingRun,
} from "../../src/scaling/chinchilla.js";
import { Rng } from "../../src/util/rng.js";

// Hoffmann et al. 2022's published fit, used as the ground truth of synthetic runs.
const truth = { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 };

function syntheticRuns(noise: number, seed = 1): ScalingRun[] {
  const rng = new Rng(seed);
  const runs: ScalingRun[] = [];
  for (const params of [1e6, 3e6, 1e7, 3e7, 1e8, 3e8]) {
    for (const tokens of [1e8, 3e8, 1e9, 3e9, 1e10]) {
      runs.push({
        params,
        tokens,
        loss: predictLoss(truth, params, tokens) * Math.exp(noise * rng.normal()),
      });
    }
  }
  return runs;
}

function huberObjective(fit: typeof truth, runs: ScalingRun[], delta = 1e-3): number {
  return runs.reduce((sum, r) => {
    const x = Math.abs(Math.log(predictLoss(fit, r.params, r.tokens)) - Math.log(r.loss));
    return sum + (x <= delta ? (x * x) / 2 : delta * (x - delta / 2));
  }, 0);
}

describe("fitScalingLaw", () => {
  it("recovers the parameters of noiseless runs", () => {
    const fit = fitScalingLaw(syntheticRuns(0));
    for (const key of ["E", "A", "alpha", "B", "beta"] as const)
      expect(fit[key] / truth[key], key).toBeCloseTo(1, 6);
    expect(fit.rmse).toBeLessThan(1e-9);
  });

  it("with 0.5% noise finds the Huber optimum and predicts unseen runs closely", () => {
    const runs = syntheticRuns(0.005);
    const fit = fitScalingLaw(runs);
    expect(fit.huberLoss).toBeLessThanOrEqual(huberObjective(truth, runs));
    expect(fit.alpha).toBeCloseTo(truth.alpha, 1);
    expect(fit.E / truth.E).toBeGreaterThan(0.85);
    expect(fit.E / truth.E).toBeLessThan(1.15);
    for (const [params, tokens] of [
      [2e7, 2e9],
      [5e6, 5e8],
      [2e8, 5e9],
    ]) {
      expect(predictLoss(fit, params, tokens) / predictLoss(truth, params, tokens)).toBeCloseTo(1, 1);
    }
  });

  it("barely moves when two runs are badly off (Huber, not least squares)", () => {
    const clean = fitScalingLaw(syntheticRuns(0));
    const runs = syntheticRuns(0);
    runs[3].loss *= 1.3;
    runs[17].loss *= 0.8;
    const robust = fitScalingLaw(runs);
    expect(Math.abs(robust.alpha - clean.alpha)).toBeLessThan(0.01);
    expect(Math.abs(robust.beta - clean.beta)).toBeLessThan(0.01);
    expect(Math.abs(robust.E - clean.E)).toBeLessThan(0.05);
    // The same runs under plain least squares (a delta no residual reaches) are dragged far off.
    const leastSquares = fitScalingLaw(runs, { huberDelta: 10 });
    expect(Math.abs(leastSquares.alpha - clean.alpha)).toBeGreaterThan(0.05);
  });

  it("names what makes a set of runs unusable", () => {
    const runs = syntheticRuns(0);
    expect(() => fitScalingLaw(runs.slice(0, 4))).toThrow(/4 runs cannot pin down 5 parameters/);
    expect(() => fitScalingLaw(runs.filter((r) => r.params === 1e6).concat(runs.slice(0, 1)))).toThrow(
      /same parameter count/,
    );
    expect(() => fitScalingLaw([...runs, { params: 1e6, tokens: 0, loss: 3 }])).toThrow(
      /run 30 has tokens 0/,
    );
    expect(() => fitScalingLaw(runs.filter((r) => r.tokens === 1e8))).toThrow(/same token count/);
  });
});

describe("chinchillaOptimal", () => {
  it("splits a budget C = 6ND where the fitted loss is lowest", () => {
    const compute = 1e21;
    const best = chinchillaOptimal(compute, truth);
    expect(6 * best.params * best.tokens).toBeCloseTo(compute, -8);
    // Brute force along the budget line: no other split is better.
    for (let factor = 0.5; factor <= 2; factor *= 1.1) {
      const params = best.params * factor;
      expect(predictLoss(truth, params, compute / (6 * params))).toBeGreaterThanOrEqual(best.loss - 1e-12);
    }
    expect(best.loss).toBeCloseTo(predictLoss(truth, best.params, best.tokens), 12);
  });

  it("grows N and D with compute as C^(beta/(alpha+beta)) and C^(alpha/(alpha+beta))", () => {
    const small = chinchillaOptimal(1e20, truth);
    const large = chinchillaOptimal(1e22, truth);
    expect(Math.log10(large.params / small.params) / 2).toBeCloseTo(0.28 / 0.62, 12);
    expect(Math.log10(large.tokens / small.tokens) / 2).toBeCloseTo(0.34 / 0.62, 12);
  });
});
