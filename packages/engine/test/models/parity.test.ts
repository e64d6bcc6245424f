/**
 * Golden parity with PyTorch: fixtures/golden-*.safetensors hold a float64 PyTorch reference (scripts/torch/golden.py)
 * for a tiny config of each preset and of the masked-LM encoder. The engine (float32) must match its loss and logits,
 * every gradient (relative L2 error per tensor) and the losses of 10 AdamW and 10 LAMB steps.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ModelConfigSchema } from "../../src/config/model.js";
import { OptimizerConfigSchema } from "../../src/config/pretrain.js";
import { readSafetensors, type TensorMap } from "../../src/io/safetensors.js";
import { labelsToTargets } from "../../src/objectives/crossEntropy.js";
import type { ObjectiveBatch } from "../../src/objectives/pretraining.js";
import { toOnnx } from "../../src/onnx/index.js";
import { Session, tensor } from "../../src/runtime/index.js";
import { IO, buildGradientGraph, gradName } from "../../src/train/step.js";
import { StepRunner } from "../../src/train/stepRunner.js";

const fixture = (name: string) =>
  readSafetensors(fileURLToPath(new URL(`../../fixtures/golden-${name}.safetensors`, import.meta.url)));

function setup(name: string) {
  const { tensors, metadata } = fixture(name);
  const model = ModelConfigSchema.parse(JSON.parse(metadata.model));
  const objective = model.attention === "causal" ? ("causal_lm" as const) : ("masked_lm" as const);
  const [steps, B, T] = tensors.input_ids.shape;
  const weights = Object.fromEntries(
    Object.entries(tensors)
      .filter(([k]) => k.startsWith("weights."))
      .map(([k, t]) => [k.slice("weights.".length), t.data as Float32Array]),
  );
  const batch = (i: number): ObjectiveBatch => {
    const n = B * T;
    const inputIds = (tensors.input_ids.data as Int32Array).slice(i * n, (i + 1) * n);
    const labels = (tensors.targets.data as Int32Array).slice(i * n, (i + 1) * n);
    if (objective === "causal_lm") return { inputIds, targets: labels };
    const { targets, weights: lossWeights } = labelsToTargets(labels);
    return { inputIds, targets, lossWeights };
  };
  return { tensors, metadata, model, objective, steps, batchSize: B, weights, batch };
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

const f64 = (m: TensorMap, k: string) => m[k].data as Float64Array;

describe.each(["gpt2-style", "llama-style", "masked-lm"])("parity with PyTorch: %s", (name) => {
  const c = setup(name);

  it("matches loss, logits and every gradient", async () => {
    const graph = buildGradientGraph(
      {
        model: c.model,
        objective: c.objective,
        batchSize: c.batchSize,
        optimizer: OptimizerConfigSchema.parse({}),
      },
      true,
    );
    const session = await Session.create(toOnnx(graph.graph), { threads: 2 });
    const b = c.batch(0);
    const shape = [c.batchSize, c.model.contextLength];
    const feeds = {
      ...Object.fromEntries(graph.specs.map((s) => [s.name, tensor("float32", s.shape, c.weights[s.name])])),
      [IO.inputIds]: tensor("int32", shape, b.inputIds),
      [IO.targets]: tensor("int32", shape, b.targets),
      ...(b.lossWeights ? { [IO.lossWeights]: tensor("float32", shape, b.lossWeights) } : {}),
    };
    const out = await session.run(feeds);
    expect(Math.abs(Number(out.loss.data[0]) - f64(c.tensors, "loss")[0])).toBeLessThan(1e-5);
    expect(relativeError(out.logits.data as Float32Array, f64(c.tensors, "logits"))).toBeLessThan(1e-5);
    const names = graph.specs.map((s) => s.name);
    expect(names.sort()).toEqual(Object.keys(c.weights).sort());
    for (const s of graph.specs) {
      const err = relativeError(out[gradName(s.name)].data as Float32Array, f64(c.tensors, `grad.${s.name}`));
      expect(err, `gradient of ${s.name}`).toBeLessThan(1e-5);
    }
    await session.release();
  });

  it.each(["adamw", "lamb"] as const)("matches 10 %s step losses", async (optimizer) => {
    const opt = OptimizerConfigSchema.parse({ ...JSON.parse(c.metadata.optimizer), name: optimizer });
    const runner = await StepRunner.create({
      model: c.model,
      objective: c.objective,
      batchSize: c.batchSize,
      optimizer: opt,
      microBatches: 1,
      runtime: { threads: 2 },
    });
    let state = runner.initialState(c.weights);
    const lrs = f64(c.tensors, "lrs");
    const expected = f64(c.tensors, `${optimizer}.losses`);
    for (let i = 0; i < c.steps; i++) {
      const r = await runner.step(state, runner.prepare([c.batch(i)]), lrs[i], i + 1);
      expect(Math.abs(r.loss - expected[i]), `step ${i + 1}`).toBeLessThan(1e-5);
      state = r.next;
    }
    await runner.release();
  });
});
