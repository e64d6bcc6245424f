import { describe, expect, it } from "vitest";
import {
  type GroupLossType,
  groupAdvantages,
  groupPolicyLoss,
  leaveOneOutAdvantages,
  standardise,
} from "../../src/objectives/grpo.js";
import type { Value } from "../../src/graph/index.js";
import { loadFixture } from "./fixtures.js";
import { Harness, expectAllClose, expectScalarClose } from "./harness.js";

const f = loadFixture("grpo");
const METRICS = ["kl", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean"] as const;

async function loss(lossType: GroupLossType, beta: number) {
  const h = new Harness();
  const logits = h.input("logits", f.inputs.logits);
  const out = groupPolicyLoss(
    {
      logits,
      tokens: h.input("tokens", f.inputs.tokens, "int64"),
      mask: h.input("mask", f.inputs.mask),
      oldLogprobs: h.input("oldLogprobs", f.inputs.oldLogprobs),
      refLogprobs: h.input("refLogprobs", f.inputs.refLogprobs),
      advantages: h.input("advantages", f.inputs.advantages),
    },
    {
      epsilon: f.epsilon,
      epsilonHigh: f.epsilonHigh,
      beta,
      lossType,
      maxCompletionLength: f.maxCompletionLength,
    },
  );
  const outputs: Record<string, Value> = { loss: out.loss };
  for (const m of METRICS) outputs[m] = out[m];
  return h.run(outputs, out.loss, { logits });
}

describe("GRPO advantages", () => {
  it("match PyTorch for every scale_rewards choice", () => {
    for (const scale of ["group", "batch", "none"] as const)
      expectAllClose(
        groupAdvantages(f.inputs.rewards.data, f.groupSize, scale),
        f.outputs.advantages[scale].data,
        1e-6,
        scale,
      );
  });

  it("give zero, not NaN, to a group whose rewards are all equal", () => {
    for (const scale of ["group", "batch", "none"] as const) {
      const a = groupAdvantages([0.5, 0.5, 0.5, 0.5, 1, 2, 3, 4], 4, scale);
      expect(a.slice(0, 4)).toEqual([0, 0, 0, 0]);
      expect(a.every(Number.isFinite)).toBe(true);
    }
    expect(groupAdvantages([3, 3, 3, 3], 2, "batch")).toEqual([0, 0, 0, 0]);
  });

  it("refuse rewards that do not form whole groups of at least two", () => {
    expect(() => groupAdvantages([1, 2, 3], 2, "group")).toThrow(/groups of 2/);
    expect(() => groupAdvantages([1, 2], 1, "group")).toThrow(/at least 2/);
  });
});

describe("GRPO losses", () => {
  for (const lossType of ["grpo", "dr_grpo", "dapo"] as const)
    it(`match PyTorch with loss_type ${lossType}: loss, clip ratios, k3 KL and the logits' gradient`, async () => {
      const expected = f.outputs.losses[lossType];
      const r = await loss(lossType, f.beta);
      expectScalarClose(r.loss, expected.loss, 1e-5, "loss");
      for (const m of METRICS) expectScalarClose(r[m], expected[m], 1e-5, m);
      expectAllClose(r["grad/logits"], expected.grad.data, 1e-5, "d loss / d logits");
    });

  it("match PyTorch with beta 0 (no KL term), and the fixture's clipping bites on both sides", async () => {
    const r = await loss("grpo", 0);
    expectScalarClose(r.loss, f.outputs.noKl.loss, 1e-5, "loss");
    expectAllClose(r["grad/logits"], f.outputs.noKl.grad.data, 1e-5, "d loss / d logits");
    expect(f.outputs.losses.grpo["clip_ratio/low_mean"]).toBeGreaterThan(0);
    expect(f.outputs.losses.grpo["clip_ratio/high_mean"]).toBeGreaterThan(0);
  });
});

describe("RLOO advantages", () => {
  const r = loadFixture("rloo");
  it("match PyTorch: KL-penalised rewards minus the leave-one-out mean, optionally standardised", () => {
    const rewards = r.inputs.scores.data.map((s: number, i: number) => s - r.beta * r.inputs.kl.data[i]);
    const a = leaveOneOutAdvantages(rewards, r.k);
    expectAllClose(a, r.outputs.advantages.data, 1e-6, "advantages");
    expectAllClose(standardise(a), r.outputs.normalised.data, 1e-6, "normalised");
  });

  it("give zero to a group of equal rewards", () => {
    expect(leaveOneOutAdvantages([2, 2, 2, 1, 3, 5], 3).slice(0, 3)).toEqual([0, 0, 0]);
  });
});
