import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { ModelConfigSchema, type ModelConfig, type ModelConfigInput } from "../../src/config/model.js";
import {
  Generator,
  HF_DECODER_IO,
  argmax,
  exportInferenceModel,
  hfDecoderOnnx,
} from "../../src/generate/index.js";
import { initParameters } from "../../src/models/parameters.js";
import { type AxisSizes, toOnnxWithOpenAxes } from "../../src/generate/open-axes.js";
import { Graph } from "../../src/graph/graph.js";
import * as op from "../../src/graph/ops.js";
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

const int64 = (rows: number[][]) =>
  new ort.Tensor("int64", BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

type Feeds = Record<string, ort.Tensor>;

/** Runs the exported graph on rows of ids; returns the logits [rows, S, vocab] and the new cache. */
async function run(
  session: ort.InferenceSession,
  model: ModelConfig,
  ids: number[][],
  mask: number[][],
  positions: number[][],
  past: Feeds | null,
): Promise<{ logits: Float32Array; present: Feeds }> {
  const feeds: Feeds = {
    [HF_DECODER_IO.inputIds]: int64(ids),
    [HF_DECODER_IO.attentionMask]: int64(mask),
    [HF_DECODER_IO.positionIds]: int64(positions),
  };
  const empty = [ids.length, model.kvHeads, 0, model.headDim];
  for (let l = 0; l < model.layers; l++) {
    feeds[HF_DECODER_IO.pastKey(l)] =
      past?.[HF_DECODER_IO.pastKey(l)] ?? new ort.Tensor("float32", new Float32Array(0), empty);
    feeds[HF_DECODER_IO.pastValue(l)] =
      past?.[HF_DECODER_IO.pastValue(l)] ?? new ort.Tensor("float32", new Float32Array(0), empty);
  }
  const out = await session.run(feeds);
  const present: Feeds = {};
  for (let l = 0; l < model.layers; l++) {
    present[HF_DECODER_IO.pastKey(l)] = out[HF_DECODER_IO.presentKey(l)];
    present[HF_DECODER_IO.pastValue(l)] = out[HF_DECODER_IO.presentValue(l)];
  }
  return { logits: out[HF_DECODER_IO.logits].data as Float32Array, present };
}

const prompt = [5, 17, 3, 9, 30];

describe.each([
  ["gpt2-style", { preset: "gpt2-style" }],
  ["llama-style with grouped-query attention", { preset: "llama-style", kvHeads: 2 }],
] as const)("Hugging Face decoder graph: %s", (_name, overrides) => {
  it("greedy-decodes from an empty past exactly as the engine's generator", async () => {
    const { model, weights } = tinyModel(overrides);
    const gen = new Generator(model, weights, { threads: 1 });
    const expected = (await gen.generate(prompt, { maxNewTokens: 12, temperature: 0 })).tokens;
    await gen.release();
    const session = await ort.InferenceSession.create(exportInferenceModel(model, weights)!, {
      intraOpNumThreads: 1,
    });
    expect(session.inputNames).toEqual([
      "input_ids",
      "attention_mask",
      "position_ids",
      ...[0, 1].flatMap((l) => [`past_key_values.${l}.key`, `past_key_values.${l}.value`]),
    ]);
    expect([...session.outputNames].sort()).toEqual(
      ["logits", ...[0, 1].flatMap((l) => [`present.${l}.key`, `present.${l}.value`])].sort(),
    );
    const V = model.vocabSize;
    let step = await run(session, model, [prompt], [prompt.map(() => 1)], [prompt.map((_, i) => i)], null);
    const tokens: number[] = [];
    for (let i = 0; i < 12; i++) {
      const last = step.logits.length / V - 1;
      const token = argmax(step.logits.subarray(last * V, (last + 1) * V));
      tokens.push(token);
      const length = prompt.length + tokens.length;
      step = await run(session, model, [[token]], [new Array(length).fill(1)], [[length - 1]], step.present);
    }
    expect(tokens).toEqual(expected);
    expect(new Set(tokens).size).toBeGreaterThan(1);
  });

  it("batches a left-padded row with the logits it has alone", async () => {
    const { model, weights } = tinyModel(overrides);
    const session = await ort.InferenceSession.create(hfDecoderOnnx(model, weights), {
      intraOpNumThreads: 1,
    });
    const V = model.vocabSize;
    const short = [7, 2, 11];
    const alone = await run(session, model, [short], [[1, 1, 1]], [[0, 1, 2]], null);
    const batch = await run(
      session,
      model,
      [prompt, [0, 0, ...short]],
      [
        [1, 1, 1, 1, 1],
        [0, 0, 1, 1, 1],
      ],
      [
        [0, 1, 2, 3, 4],
        [1, 1, 0, 1, 2],
      ],
      null,
    );
    const padded = batch.logits.subarray(5 * V + 2 * V, 10 * V);
    padded.forEach((x, i) => expect(x).toBeCloseTo(alone.logits[i], 4));
  });
});

describe("open axes", () => {
  it("refuses a graph with a constant sized by an open axis, naming the model part", () => {
    const build = ({ n }: AxisSizes) => {
      const g = new Graph("bad");
      const x = g.input("x", "float32", [n]);
      g.output(
        "y",
        g.within("mask", () => op.add(x, g.constant("float32", [n], new Array<number>(n).fill(1)))),
      );
      return g;
    };
    expect(() => toOnnxWithOpenAxes(build, [{ n: 2 }, { n: 3 }])).toThrow(
      /open axes: mask: Add: input 1 is a constant that depends on an open axis/,
    );
  });

  it("names open input and output dimensions, keeps fixed ones, and runs at an untraced size", async () => {
    const build = ({ n }: AxisSizes) => {
      const g = new Graph("ok");
      const x = g.input("x", "float32", [n, 4]);
      g.output("y", op.reshape(op.mul(x, 2), [n, 2, 2]));
      return g;
    };
    const session = await ort.InferenceSession.create(toOnnxWithOpenAxes(build, [{ n: 2 }, { n: 3 }]));
    const shapes = [...session.inputMetadata, ...session.outputMetadata].map((m) => m.isTensor && m.shape);
    expect(shapes).toEqual([
      ["n", 4],
      ["n", 2, 2],
    ]);
    const out = await session.run({ x: new ort.Tensor("float32", new Float32Array(20).fill(1), [5, 4]) });
    expect(out.y.dims).toEqual([5, 2, 2]);
    expect(Array.from(out.y.data as Float32Array)).toEqual(new Array<number>(20).fill(2));
  });
});
