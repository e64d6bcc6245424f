import { describe, expect, it } from "vitest";
import {
  AdaptiveKlController,
  klPerToken,
  klShapedRewards,
  ppoLosses,
  processScores,
  tokenEntropy,
  updateMoments,
} from "../../src/objectives/ppo.js";
import { maskedMean } from "../../src/objectives/sft.js";
import type { Value } from "../../src/graph/index.js";
import { loadFixture, rows } from "./fixtures.js";
import { Harness, expectAllClose, expectScalarClose } from "./harness.js";

const METRICS = [
  "loss/policy",
  "loss/value",
  "policy/entropy",
  "policy/clipfrac",
  "policy/approxkl",
  "val/clipfrac",
  "val/ratio",
] as const;

describe("PPO losses", () => {
  it("match PyTorch: clipped policy loss, clipped value loss, metrics and gradients", async () => {
    const f = loadFixture("ppo_loss");
    const h = new Harness();
    const logits = h.input("logits", f.inputs.logits);
    const values = h.input("values", f.inputs.values);
    const mask = h.input("mask", f.inputs.mask);
    const out = ppoLosses(
      {
        logits,
        tokens: h.input("tokens", f.inputs.tokens, "int64"),
        mask,
        oldLogprobs: h.input("oldLogprobs", f.inputs.oldLogprobs),
        advantages: h.input("advantages", f.inputs.advantages),
        values,
        oldValues: h.input("oldValues", f.inputs.oldValues),
        returns: h.input("returns", f.inputs.returns),
      },
      { cliprange: f.cliprange, cliprangeValue: f.cliprangeValue, vfCoef: f.vfCoef },
    );
    const outputs: Record<string, Value> = { loss: out.loss };
    for (const m of METRICS) outputs[m] = out[m];
    const r = await h.run(outputs, out.loss, { logits, values });
    expectScalarClose(r.loss, f.outputs.loss, 1e-5, "loss");
    for (const m of METRICS) expectScalarClose(r[m], f.outputs[m], 1e-5, m);
    // the fixture's clipping must actually bite, or the clipped branches would go untested
    expect(f.outputs["policy/clipfrac"]).toBeGreaterThan(0);
    expect(f.outputs["val/clipfrac"]).toBeGreaterThan(0);
    expectAllClose(r["grad/logits"], f.grads.logits.data, 1e-5, "d loss / d logits");
    expectAllClose(r["grad/values"], f.grads.values.data, 1e-5, "d loss / d values");
  });

  it("differentiates the entropy as PyTorch does", async () => {
    const f = loadFixture("ppo_loss");
    const h = new Harness();
    const logits = h.input("logits", f.inputs.logits);
    const entropy = maskedMean(tokenEntropy(logits), h.input("mask", f.inputs.mask));
    const r = await h.run({ entropy }, entropy, { logits });
    expectScalarClose(r.entropy, f.outputs["policy/entropy"], 1e-5, "entropy");
    expectAllClose(r["grad/logits"], f.grads.entropyLogits.data, 1e-5, "d entropy / d logits");
  });
});

describe("KL-shaped rewards", () => {
  it("match PyTorch: -kl_coef * (logp - ref) per token plus the score on the last token", () => {
    const f = loadFixture("ppo_rewards");
    const mask = rows(f.inputs.mask);
    const { rewards, kl } = klShapedRewards(
      rows(f.inputs.logprobs),
      rows(f.inputs.refLogprobs),
      f.inputs.scores.data,
      mask,
      f.klCoef,
    );
    const expected = rows(f.outputs.rewards);
    rewards.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(expected[b][t], 12)));
    const klPerResponse = kl.map((row) => row.reduce((a, b) => a + b, 0));
    expect(klPerResponse.reduce((a, b) => a + b, 0) / kl.length).toBeCloseTo(f.outputs["objective/kl"], 12);
  });

  it("adapts the KL coefficient toward the target, at most 20% of the error per horizon", () => {
    const kl = new AdaptiveKlController(0.2, 6, 10000);
    kl.update(12, 5000); // error clipped to +0.2: x (1 + 0.2 * 0.5)
    expect(kl.value).toBeCloseTo(0.22, 12);
    kl.update(3, 10000); // error -0.5 clipped to -0.2
    expect(kl.value).toBeCloseTo(0.22 * 0.8, 12);
  });
});

describe("PPO reward options", () => {
  const f = loadFixture("ppo_reward_options");
  const logprobs = rows(f.inputs.logprobs);
  const refLogprobs = rows(f.inputs.refLogprobs);
  const mask = rows(f.inputs.mask);

  it("estimates the KL with k1 or k3 as PyTorch does, k3 never negative", () => {
    for (const estimator of ["k1", "k3"] as const) {
      const kl = klPerToken(logprobs, refLogprobs, mask, estimator);
      expectAllClose(kl.flat(), f.outputs[estimator].data, 1e-6, estimator);
    }
    expect(Math.min(...klPerToken(logprobs, refLogprobs, mask, "k3").flat())).toBeGreaterThanOrEqual(0);
    expect(Math.min(...klPerToken(logprobs, refLogprobs, mask, "k1").flat())).toBeLessThan(0);
  });

  it("standardises scores by the running moments of every score so far, then clips them", () => {
    const first: number[] = f.inputs.firstScores.data;
    const second: number[] = f.inputs.secondScores.data;
    const moments = updateMoments(updateMoments({ count: 0, mean: 0, m2: 0 }, first), second);
    expect(moments.count).toBe(first.length + second.length);
    expect(moments.mean).toBeCloseTo(f.outputs.mean, 12);
    expect(Math.sqrt(moments.m2 / (moments.count - 1))).toBeCloseTo(f.outputs.std, 12);
    expectAllClose(processScores(second, moments, undefined), f.outputs.normalised.data, 1e-9, "normalised");
    const clipped = processScores(second, moments, f.clipRange);
    expectAllClose(clipped, f.outputs.clipped.data, 1e-9, "clipped");
    // the fixture's clipping bites, and without options the scores pass through untouched
    expect(clipped).not.toEqual(processScores(second, moments, undefined));
    expect(processScores(second, null, undefined)).toEqual(second);
  });
});
