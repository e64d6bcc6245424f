import { describe, expect, it } from "vitest";
import { ModelConfigSchema, type ModelConfigInput } from "../../src/config/model.js";
import { Generator, sampleToken } from "../../src/generate/index.js";
import { initParameters } from "../../src/models/parameters.js";
import { Rng } from "../../src/util/rng.js";

function tinyModel(overrides: ModelConfigInput) {
  const model = ModelConfigSchema.parse({
    vocabSize: 40,
    contextLength: 24,
    width: 32,
    layers: 2,
    heads: 4,
    ...overrides,
  });
  // larger-than-default init so greedy decoding does not collapse onto one token
  return { model, weights: initParameters({ ...model, init: "kaiming" }, new Rng(3)) };
}

const prompt = [5, 17, 3, 9, 30];

describe.each([
  ["gpt2-style", { preset: "gpt2-style" }],
  ["llama-style with grouped-query attention", { preset: "llama-style", kvHeads: 2 }],
] as const)("generation: %s", (_name, overrides) => {
  it("decodes with the KV cache exactly as without it", async () => {
    const { model, weights } = tinyModel(overrides);
    const gen = new Generator(model, weights, { threads: 1 });
    const streamed: number[] = [];
    const cached = await gen.generate(prompt, { maxNewTokens: 12, onToken: (t) => streamed.push(t) });
    const uncached = await gen.generate(prompt, { maxNewTokens: 12 }, false);
    expect(cached.tokens).toEqual(uncached.tokens);
    expect(new Set(cached.tokens).size).toBeGreaterThan(1);
    expect(streamed).toEqual(cached.tokens);
    expect(cached.stopReason).toBe("max_tokens");
    await gen.release();
  });

  it("takes its weights as inputs: the same tokens as baked weights, and setWeights swaps models without a recompile", async () => {
    const { model, weights } = tinyModel(overrides);
    const other = initParameters({ ...model, init: "kaiming" }, new Rng(4));
    const generate = async (gen: Generator, useCache = true) =>
      (await gen.generate(prompt, { maxNewTokens: 10, temperature: 0.9, seed: 2 }, useCache)).tokens;
    const baked = [
      new Generator(model, weights, { threads: 1 }),
      new Generator(model, other, { threads: 1 }),
    ];
    const [expected, expectedOther] = [await generate(baked[0]), await generate(baked[1])];
    expect(expectedOther).not.toEqual(expected);
    const fed = new Generator(model, weights, { threads: 1 }, { weightsAsInputs: true });
    expect(await generate(fed)).toEqual(expected);
    fed.setWeights(other);
    expect(await generate(fed)).toEqual(expectedOther);
    expect(await generate(fed, false)).toEqual(expectedOther);
    expect(() => baked[0].setWeights(other)).toThrow(/baked into its graphs/);
    expect(() => fed.setWeights({ ...other, [Object.keys(other)[0]]: new Float32Array(3) })).toThrow(
      /setWeights: weight .* is missing or not of shape/,
    );
    await Promise.all([...baked, fed].map((g) => g.release()));
  });

  it("generates a batch of prompts together exactly as one by one", async () => {
    const { model, weights } = tinyModel(overrides);
    const gen = new Generator(model, weights, { threads: 1 });
    const requests = [
      { prompt, seed: 1 },
      { prompt: [7, 2], seed: 2 },
      { prompt: Array.from({ length: 18 }, (_, i) => (i * 7) % model.vocabSize), seed: 3 },
    ];
    const opts = { maxNewTokens: 9, temperature: 0.9, topK: 20, stopTokens: [11] };
    const single = [];
    for (const r of requests) single.push(await gen.generate(r.prompt, { ...opts, seed: r.seed }));
    const batched = await gen.generateBatch(requests, opts);
    expect(batched).toEqual(single);
    // the long prompt fills the context (24) within 6 new tokens, so rows end at different steps
    expect(single[2].tokens.length).toBeLessThanOrEqual(6);
    expect(new Set(single.map((g) => g.tokens.length)).size).toBeGreaterThan(1);
    await gen.release();
  });
});

describe("sampling", () => {
  const { model, weights } = tinyModel({ preset: "gpt2-style" });

  it("is reproducible for a seed, honours stop tokens and rejects ids outside the vocabulary", async () => {
    const gen = new Generator(model, weights, { threads: 1 });
    const opts = { maxNewTokens: 10, temperature: 1, topK: 10, topP: 0.9, seed: 42 };
    const a = await gen.generate(prompt, opts);
    expect((await gen.generate(prompt, opts)).tokens).toEqual(a.tokens);
    const stopped = await gen.generate(prompt, { ...opts, stopTokens: [a.tokens[2]] });
    expect(stopped.stopReason).toBe("stop_token");
    expect(stopped.tokens.length).toBeLessThanOrEqual(3);
    await expect(gen.generate([1, 40], opts)).rejects.toThrow(
      "generate: prompt: token id 40 at position 1 is outside the vocabulary [0, 40)",
    );
    await gen.release();
  });

  it("keeps only the top-k and the top-p mass", () => {
    const logits = Float32Array.of(0, 5, 4.9, -3, 1);
    const rng = new Rng(1);
    const seen = new Set(
      Array.from({ length: 200 }, () => sampleToken(logits, { temperature: 1, topK: 2, topP: 1 }, rng)),
    );
    expect([...seen].sort()).toEqual([1, 2]);
    const nucleus = new Set(
      Array.from({ length: 200 }, () => sampleToken(logits, { temperature: 1, topK: 0, topP: 0.3 }, rng)),
    );
    expect([...nucleus]).toEqual([1]);
    expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 1 }, rng)).toBe(1);
  });
});
