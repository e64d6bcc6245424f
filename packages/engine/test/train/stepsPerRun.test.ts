import { describe, expect, it } from "vitest";
import { ModelConfigSchema } from "../../src/config/model.js";
import { OptimizerConfigSchema } from "../../src/config/pretrain.js";
import { initParameters } from "../../src/models/parameters.js";
import { StepRunner } from "../../src/train/stepRunner.js";
import { Rng } from "../../src/util/rng.js";

describe("K steps per session.run (ONNX Loop)", () => {
  it("gives the losses and weights of K single steps", async () => {
    const model = ModelConfigSchema.parse({
      preset: "llama-style",
      vocabSize: 32,
      contextLength: 8,
      width: 16,
      layers: 1,
      heads: 2,
      dropout: 0.1,
    });
    const K = 3;
    const runner = await StepRunner.create({
      model,
      objective: "causal_lm",
      batchSize: 2,
      optimizer: OptimizerConfigSchema.parse({}),
      microBatches: 1,
      stepsPerRun: K,
      runtime: { threads: 2 },
    });
    const rng = new Rng(9);
    const n = 2 * model.contextLength;
    const prepared = Array.from({ length: K }, () => {
      const inputIds = Int32Array.from({ length: n }, () => rng.int(32));
      return runner.prepare([{ inputIds, targets: inputIds.map((t) => (t + 1) % 32) }], rng);
    });
    const lrs = [1e-2, 2e-2, 3e-2];
    const start = runner.initialState(initParameters(model, new Rng(1)));

    let single = start;
    const singleLosses: number[] = [];
    for (let k = 0; k < K; k++) {
      const r = await runner.step(single, prepared[k], lrs[k], k + 1);
      singleLosses.push(r.loss);
      single = r.next;
    }
    const looped = await runner.runSteps(start, prepared, lrs, 1);
    expect(looped.steps.map((s) => s.loss)).toEqual(singleLosses);
    expect(singleLosses[2]).toBeLessThan(singleLosses[0]);
    const name = "model.layers.0.self_attn.q_proj.weight";
    expect(Array.from(looped.next.tensors[name].data as Float32Array)).toEqual(
      Array.from(single.tensors[name].data as Float32Array),
    );
    expect(looped.steps[0].groupGradNorms).toHaveLength(runner.groups.length);
    await runner.release();
  });
});
