import { describe, it } from "vitest";
import { dpoLoss, sequenceLogProbs } from "../../src/objectives/dpo.js";
import { labelsToTargets, tokenCrossEntropy } from "../../src/objectives/crossEntropy.js";
import type { Value } from "../../src/graph/index.js";
import * as op from "../../src/graph/ops.js";
import { loadFixture } from "./fixtures.js";
import { Harness, expectAllClose, expectScalarClose } from "./harness.js";

const fixture = loadFixture("dpo");
const METRICS = ["rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"] as const;

describe("DPO loss", () => {
  for (const c of fixture.cases) {
    it(`matches PyTorch for ${c.lossType}, beta ${c.beta}, label smoothing ${c.labelSmoothing}`, async () => {
      const h = new Harness();
      const policyChosen = h.input("policyChosen", c.inputs.policyChosen);
      const policyRejected = h.input("policyRejected", c.inputs.policyRejected);
      const out = dpoLoss(
        {
          policyChosen,
          policyRejected,
          referenceChosen: h.input("referenceChosen", c.inputs.referenceChosen),
          referenceRejected: h.input("referenceRejected", c.inputs.referenceRejected),
        },
        { beta: c.beta, labelSmoothing: c.labelSmoothing, lossType: c.lossType },
      );
      const outputs: Record<string, Value> = { loss: out.loss };
      for (const m of METRICS) outputs[m] = out[m];
      const r = await h.run(outputs, out.loss, { policyChosen, policyRejected });
      expectScalarClose(r.loss, c.outputs.loss, 1e-5, "loss");
      for (const m of METRICS) expectScalarClose(r[m], c.outputs[m], 1e-5, m);
      expectAllClose(r["grad/policyChosen"], c.grads.policyChosen.data, 1e-5, "d loss / d chosen log-probs");
      expectAllClose(
        r["grad/policyRejected"],
        c.grads.policyRejected.data,
        1e-5,
        "d loss / d rejected log-probs",
      );
    });
  }

  for (const rpo of [false, true]) {
    it(`matches PyTorch from logits through sequence log-probs to the loss${rpo ? ", with the RPO term" : ""}`, async () => {
      const f = fixture.fromLogits;
      const h = new Harness();
      const [rows, length] = f.inputs.labels.shape;
      const half = rows / 2;
      const { targets: targetIds, weights } = labelsToTargets(Int32Array.from(f.inputs.labels.data));
      const logits = h.input("logits", f.inputs.logits);
      const targets = h.input("targets", { shape: [rows, length], data: Array.from(targetIds) }, "int32");
      const mask = h.input("mask", { shape: [rows, length], data: Array.from(weights) });
      const seq = sequenceLogProbs(logits, targets, mask);
      const reference = h.input("reference", f.inputs.referenceLogps);
      const [policyChosen, policyRejected] = op.split(seq, 0, [half, half]);
      const [referenceChosen, referenceRejected] = op.split(reference, 0, [half, half]);
      const chosen = (x: Value) => op.split(x, 0, [half, half])[0];
      const out = dpoLoss(
        {
          policyChosen,
          policyRejected,
          referenceChosen,
          referenceRejected,
          chosenNll: rpo ? tokenCrossEntropy(chosen(logits), chosen(targets), chosen(mask)) : undefined,
        },
        { beta: f.beta, labelSmoothing: 0, lossType: "sigmoid", rpoAlpha: rpo ? fixture.rpo.rpoAlpha : 0 },
      );
      const r = await h.run({ loss: out.loss, seq }, out.loss, { logits });
      expectAllClose(r.seq, f.outputs.sequenceLogps.data, 1e-5, "sequence log-probs");
      expectScalarClose(r.loss, rpo ? fixture.rpo.loss : f.outputs.loss, 1e-5, "loss");
      expectAllClose(r["grad/logits"], (rpo ? fixture.rpo : f).grads.logits.data, 1e-5, "d loss / d logits");
    });
  }
});

describe("more preference losses", () => {
  for (const c of loadFixture("dpo_variants").cases) {
    it(`match PyTorch: ${c.lossType}${c.referenceFree ? " (reference-free)" : ""}, loss, rewards and gradients`, async () => {
      const h = new Harness();
      const policyChosen = h.input("policyChosen", c.inputs.policyChosen);
      const policyRejected = h.input("policyRejected", c.inputs.policyRejected);
      const out = dpoLoss(
        {
          policyChosen,
          policyRejected,
          referenceChosen: h.input("referenceChosen", c.inputs.referenceChosen),
          referenceRejected: h.input("referenceRejected", c.inputs.referenceRejected),
          chosenNll: h.input("chosenNll", c.inputs.chosenNll),
        },
        { beta: c.beta, labelSmoothing: c.labelSmoothing, lossType: c.lossType, simpoGamma: c.simpoGamma },
      );
      const outputs: Record<string, Value> = { loss: out.loss };
      for (const m of METRICS) outputs[m] = out[m];
      const r = await h.run(outputs, out.loss, { policyChosen, policyRejected });
      expectScalarClose(r.loss, c.outputs.loss, 1e-5, "loss");
      for (const m of METRICS) expectScalarClose(r[m], c.outputs[m], 1e-5, m);
      expectAllClose(r["grad/policyChosen"], c.grads.policyChosen.data, 1e-5, "d loss / d chosen log-probs");
      expectAllClose(
        r["grad/policyRejected"],
        c.grads.policyRejected.data,
        1e-5,
        "d loss / d rejected log-probs",
      );
    });
  }
});
