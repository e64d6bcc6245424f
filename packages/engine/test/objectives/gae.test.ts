import { describe, expect, it } from "vitest";
import { generalizedAdvantages, whiten } from "../../src/objectives/gae.js";
import { loadFixture, rows } from "./fixtures.js";

describe("generalizedAdvantages", () => {
  it("matches a hand-worked example", () => {
    // gamma 0.9, lambda 0.8, V = 0.5 everywhere, reward 1 at the end, terminal after t=2:
    // delta_2 = 1 - 0.5 = 0.5;  delta_1 = 0 + 0.9*0.5 - 0.5 = -0.05;  delta_0 = -0.05
    // A_2 = 0.5;  A_1 = -0.05 + 0.72*0.5 = 0.31;  A_0 = -0.05 + 0.72*0.31 = 0.1732
    const { advantages, returns } = generalizedAdvantages(
      [[0, 0, 1]],
      [[0.5, 0.5, 0.5]],
      [[1, 1, 1]],
      0.9,
      0.8,
    );
    expect(advantages[0][0]).toBeCloseTo(0.1732, 12);
    expect(advantages[0][1]).toBeCloseTo(0.31, 12);
    expect(advantages[0][2]).toBeCloseTo(0.5, 12);
    expect(returns[0]).toEqual(advantages[0].map((a) => a + 0.5));
    const fixture = loadFixture("gae_small");
    expect(advantages[0]).toEqual(fixture.outputs.advantages.data.map((v: number) => expect.closeTo(v, 12)));
  });

  it("treats masked positions as terminal with zero advantage", () => {
    const { advantages, returns } = generalizedAdvantages([[0, 2, 7]], [[1, 1, 9]], [[1, 1, 0]], 1, 1);
    // A_1 = 2 - 1 = 1, A_0 = 0 + 1 - 1 + 1 = 1; the padded position contributes nothing.
    expect(advantages[0]).toEqual([1, 1, 0]);
    expect(returns[0]).toEqual([2, 2, 0]);
  });

  it("matches the PyTorch reference on a padded batch, with whitening", () => {
    const f = loadFixture("ppo_rewards");
    const mask = rows(f.inputs.mask);
    const { advantages, returns } = generalizedAdvantages(
      rows(f.outputs.rewards),
      rows(f.inputs.values),
      mask,
      f.gamma,
      f.lam,
    );
    expectRowsClose(advantages, rows(f.outputs.advantages));
    expectRowsClose(returns, rows(f.outputs.returns));
    expectRowsClose(whiten(advantages, mask), rows(f.outputs.whitenedAdvantages));
  });

  it("whitens to unit variance, keeping the mean when asked (TRL whiten_rewards)", () => {
    const x = [
      [1, 2, 3, 99],
      [4, 5, 0, 0],
    ];
    const mask = [
      [1, 1, 1, 0],
      [1, 1, 0, 0],
    ];
    const values = (w: number[][]) => w.flatMap((row, b) => row.filter((_, t) => mask[b][t] === 1));
    const shifted = values(whiten(x, mask));
    const kept = values(whiten(x, mask, false));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const variance = (v: number[]) => v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1);
    expect(mean(shifted)).toBeCloseTo(0, 12);
    expect(variance(shifted)).toBeCloseTo(1, 6);
    expect(mean(kept)).toBeCloseTo(3, 12);
    expect(variance(kept)).toBeCloseTo(1, 6);
    expect(whiten(x, mask)[0][3]).toBe(0);
  });

  it("rejects rows of different lengths, naming the row", () => {
    expect(() => generalizedAdvantages([[1, 2]], [[1]], [[1, 1]], 1, 1)).toThrow(
      /row 0 has 2 rewards but 1 values/,
    );
  });
});

function expectRowsClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(expected[b][t], 10)));
}
