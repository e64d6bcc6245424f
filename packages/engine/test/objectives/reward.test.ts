import { describe, expect, it } from "vitest";
import { bradleyTerryLoss, lastTokenScores, logSigmoid } from "../../src/objectives/reward.js";
import { loadFixture } from "./fixtures.js";
import { Harness, expectAllClose, expectScalarClose } from "./harness.js";

const fixture = loadFixture("reward");
const vector = (data: number[]) => ({ shape: [data.length], data });

describe("Bradley-Terry reward loss", () => {
  for (const [i, c] of fixture.cases.entries()) {
    it(`matches PyTorch (case ${i}: centring ${c.centring}, margins ${c.inputs.margin.data.some((m: number) => m !== 0)})`, async () => {
      const h = new Harness();
      const scores = h.input("scores", c.inputs.scores);
      const out = bradleyTerryLoss(
        {
          scores,
          chosen: h.input("chosen", vector(fixture.pairs.chosen), "int64"),
          rejected: h.input("rejected", vector(fixture.pairs.rejected), "int64"),
          weight: h.input("weight", vector(fixture.pairs.weight)),
          margin: h.input("margin", c.inputs.margin),
        },
        c.centring,
      );
      const r = await h.run({ loss: out.loss, accuracy: out.accuracy, meanMargin: out.margin }, out.loss, {
        scores,
      });
      expectScalarClose(r.loss, c.outputs.loss, 1e-5, "loss");
      expectScalarClose(r.accuracy, c.outputs.accuracy, 1e-6, "accuracy");
      expectScalarClose(r.meanMargin, c.outputs.margin, 1e-5, "margin");
      expectAllClose(r["grad/scores"], c.grads.scores.data, 1e-5, "d loss / d scores");
    });
  }

  it("computes log sigmoid without overflow at large magnitudes", async () => {
    const h = new Harness();
    const x = h.input("x", vector([-200, -30, 0, 30, 200]));
    const r = await h.run({ y: logSigmoid(x) });
    expectAllClose(r.y, [-200, -30, -Math.log(2), -9.357623e-14, 0], 1e-6, "log sigmoid");
  });

  it("reads the head at each row's last non-padding token", async () => {
    const h = new Harness();
    const perToken = h.input("perToken", { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });
    const last = h.input("last", vector([1, 2]), "int64");
    const r = await h.run({ s: lastTokenScores(perToken, last) });
    expect(r.s).toEqual([2, 6]);
  });
});
