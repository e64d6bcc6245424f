import { describe, expect, it } from "vitest";
import { ktoLoss, ktoReferencePoint } from "../../src/objectives/kto.js";
import { loadFixture } from "./fixtures.js";
import { Harness, expectAllClose, expectScalarClose } from "./harness.js";

const f = loadFixture("kto");

describe("KTO loss", () => {
  it("matches PyTorch: reference point, loss, rewards per label and the gradient", async () => {
    const z0 = ktoReferencePoint(f.inputs.klPolicy.data, f.inputs.klReference.data);
    expect(z0).toBeCloseTo(f.outputs.kl, 9);
    expect(z0).toBeGreaterThan(0); // the fixture's reference point is not clamped away
    const h = new Harness();
    const policy = h.input("policy", f.inputs.policy);
    const out = ktoLoss(
      {
        policy,
        reference: h.input("reference", f.inputs.reference),
        label: h.input("label", f.inputs.label),
        kl: h.input("kl", { shape: [], data: [z0] }),
      },
      { beta: f.beta, desirableWeight: f.desirableWeight, undesirableWeight: f.undesirableWeight },
    );
    const r = await h.run(
      { loss: out.loss, chosen: out["rewards/chosen"], rejected: out["rewards/rejected"] },
      out.loss,
      { policy },
    );
    expectScalarClose(r.loss, f.outputs.loss, 1e-5, "loss");
    expectScalarClose(r.chosen, f.outputs["rewards/chosen"], 1e-5, "rewards/chosen");
    expectScalarClose(r.rejected, f.outputs["rewards/rejected"], 1e-5, "rewards/rejected");
    expectAllClose(r["grad/policy"], f.grads.policy.data, 1e-5, "d loss / d policy log-probs");
  });

  it("clamps the reference point at 0", () => {
    expect(ktoReferencePoint([-3, -4], [-1, -1])).toBe(0);
  });
});
