import { describe, expect, it } from "vitest";
import { lmHead } from "../../src/models/transformer.js";
import { INPUT_IDS, hiddenStates, loadBaseModel } from "../../src/posttrain/model.js";
import { compileForward } from "../../src/posttrain/policy-step.js";
import { RolloutSampler, tokenizePrompts } from "../../src/posttrain/rollouts.js";
import { samplePrompt } from "../../src/posttrain/synthetic.js";
import { tensor } from "../../src/runtime/session.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir, tinyBaseCheckpoint } from "./helpers.js";

/** log softmax(logits / temperature)[token], in float64. */
function temperedLogProb(logits: Float32Array, temperature: number, token: number): number {
  const z = Array.from(logits, (v) => v / temperature);
  const max = Math.max(...z);
  const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
  return z[token] - lse;
}

describe("rollouts", () => {
  it("stores the log-probs of the tempered distribution that was sampled, as TRL does", async () => {
    const base = loadBaseModel(tinyBaseCheckpoint(tempDir("rollouts")));
    const { model } = base;
    const T = model.contextLength;
    const V = model.vocabSize;
    const rows = 2;
    const temperature = 0.7;
    const sampler = await RolloutSampler.create({ base, rows, temperature, responseLength: 8 });
    const logits = await compileForward({
      model,
      build: (g, params) => ({ logits: lmHead(model, params, hiddenStates(g, model, params, rows, T)) }),
    });
    try {
      const rng = new Rng(4);
      const prompts = tokenizePrompts(
        Array.from({ length: rows }, () => ({ prompt: samplePrompt(rng).text })),
        base.tokenizer,
      );
      const state = Object.fromEntries(
        Object.entries(base.weights).map(([n, t]) => [n, tensor("float32", t.shape, t.data as Float32Array)]),
      );
      const r = await sampler.sample(state, prompts, [11, 12]);
      const raw = (await logits.run(state, { [INPUT_IDS]: tensor("int32", [rows, T], r.batch.inputs) }))
        .logits.data as Float32Array;
      let checked = 0;
      let untemperedGap = 0;
      for (let b = 0; b < rows; b++)
        for (let t = 0; t < T; t++) {
          if (r.mask[b][t] === 0) continue;
          const at = raw.subarray((b * T + t) * V, (b * T + t + 1) * V);
          const token = r.batch.targets[b * T + t];
          const expected = temperedLogProb(at, temperature, token);
          expect(r.logprobs[b][t]).toBeCloseTo(expected, 4);
          // the reference is the starting checkpoint, here the same weights: same tempered distribution
          expect(r.refLogprobs[b][t]).toBeCloseTo(expected, 4);
          untemperedGap = Math.max(untemperedGap, Math.abs(r.logprobs[b][t] - temperedLogProb(at, 1, token)));
          checked++;
        }
      expect(checked).toBe(r.lengths.reduce((a, b) => a + b, 0));
      expect(checked).toBeGreaterThan(rows);
      // the check can tell: the untempered log-probs (what was stored before) are far from these
      expect(untemperedGap).toBeGreaterThan(1e-2);
    } finally {
      await Promise.all([sampler.release(), logits.release()]);
    }
  }, 60_000);
});
