import { describe, expect, it } from "vitest";
import { fitPowerLaw } from "../../src/scaling/powerLaw.js";

describe("fitPowerLaw", () => {
  it("recovers a and b of L = a C^-b exactly from clean points", () => {
    const points = [1e15, 1e16, 1e17, 1e18].map((compute) => ({ compute, loss: 40 * compute ** -0.05 }));
    const fit = fitPowerLaw(points);
    expect(fit.a).toBeCloseTo(40, 9);
    expect(fit.b).toBeCloseTo(0.05, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
  });

  it("reports a lower r2 for noisy points and names bad input", () => {
    const fit = fitPowerLaw([
      { compute: 1, loss: 4 },
      { compute: 10, loss: 3.5 },
      { compute: 100, loss: 3.6 },
      { compute: 1000, loss: 2.5 },
    ]);
    expect(fit.r2).toBeGreaterThan(0.5);
    expect(fit.r2).toBeLessThan(0.99);
    expect(() => fitPowerLaw([{ compute: 1, loss: 2 }])).toThrow(/at least 2 points/);
    expect(() =>
      fitPowerLaw([
        { compute: 1, loss: 2 },
        { compute: 0, loss: 1 },
      ]),
    ).toThrow(/point 1 has compute 0/);
    expect(() =>
      fitPowerLaw([
        { compute: 5, loss: 2 },
        { compute: 5, loss: 1 },
      ]),
    ).toThrow(/same compute/);
  });
});
