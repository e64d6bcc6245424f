import { describe, expect, it } from "vitest";
import { labelsToTargets } from "../../src/objectives/crossEntropy.js";
import { sftLoss } from "../../src/objectives/sft.js";
import { loadFixture } from "./fixtures.js";
import { Harness, expectAllClose, expectScalarClose } from "./harness.js";

const fixture = loadFixture("sft");

async function runSft(labels: number[]) {
  const h = new Harness();
  const { targets, weights: mask } = labelsToTargets(Int32Array.from(labels));
  const shape = fixture.inputs.labels.shape;
  const logits = h.input("logits", fixture.inputs.logits);
  const loss = sftLoss({
    logits,
    targets: h.input("targets", { shape, data: Array.from(targets, Number) }, "int32"),
    mask: h.input("mask", { shape, data: Array.from(mask) }),
  });
  return h.run({ loss }, loss, { logits });
}

describe("SFT masked cross-entropy", () => {
  it("matches PyTorch's cross_entropy(ignore_index=-100) and its gradient", async () => {
    const out = await runSft(fixture.inputs.labels.data);
    expectScalarClose(out.loss, fixture.outputs.loss, 1e-5, "loss");
    expectAllClose(out["grad/logits"], fixture.grads.logits.data, 1e-5, "d loss / d logits");
  });

  it("does not change when the targets of masked prompt tokens change", async () => {
    // Same ignored positions, different target ids under them: the loss must be identical.
    const labels: number[] = fixture.inputs.labels.data;
    const { targets, weights: mask } = labelsToTargets(Int32Array.from(labels));
    const h = new Harness();
    const shape = fixture.inputs.labels.shape;
    const scrambled = Array.from(targets, (t, i) => (mask[i] === 0 ? (i * 5 + 3) % 7 : Number(t)));
    const loss = sftLoss({
      logits: h.input("logits", fixture.inputs.logits),
      targets: h.input("targets", { shape, data: scrambled }, "int32"),
      mask: h.input("mask", { shape, data: Array.from(mask) }),
    });
    const out = await h.run({ loss });
    expect(out.loss[0]).toBe((await runSft(labels)).loss[0]);
  });
});
