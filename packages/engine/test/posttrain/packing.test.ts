import { describe, expect, it } from "vitest";
import { type ModelConfig, ModelConfigSchema } from "../../src/config/model.js";
import { Graph } from "../../src/graph/index.js";
import {
  initParameters,
  parameterSpecs,
  sequenceAttention,
  transformerLogits,
} from "../../src/models/index.js";
import { sftLoss } from "../../src/objectives/sft.js";
import { toOnnx } from "../../src/onnx/index.js";
import {
  blockCausalMask,
  conversationBatch,
  type SequenceBatch,
  type TokenizedConversation,
} from "../../src/posttrain/packing.js";
import { Session, tensor } from "../../src/runtime/index.js";
import { Rng } from "../../src/util/rng.js";

const VOCAB = 16;

function conversation(rng: Rng, length: number, promptLength: number): TokenizedConversation {
  return {
    ids: Array.from({ length }, () => rng.int(VOCAB)),
    lossMask: Array.from({ length }, (_, i) => (i >= promptLength ? 1 : 0)),
  };
}

async function sftLossOf(cfg: ModelConfig, batch: SequenceBatch, mask: Float32Array): Promise<number> {
  const weights = initParameters({ ...cfg, init: "kaiming" }, new Rng(3)); // larger than the default: a leak must show
  const g = new Graph("sft-packing");
  const { rows, seqLen: T } = batch;
  const params = Object.fromEntries(
    parameterSpecs(cfg).map((s) => [s.name, g.input(s.name, "float32", s.shape)]),
  );
  const attention = g.input("mask", "float32", [rows, 1, T, T]);
  const logits = transformerLogits(cfg, params, {
    ids: g.input("ids", "int32", [rows, T]),
    positions: g.input("positions", "int64", [rows, T]),
    attend: sequenceAttention(cfg, T, { mask: attention }),
  });
  g.output(
    "loss",
    sftLoss({
      logits,
      targets: g.input("targets", "int32", [rows, T]),
      mask: g.input("weights", "float32", [rows, T]),
    }),
  );
  const session = await Session.create(toOnnx(g), { threads: 1 });
  const feeds = {
    ...Object.fromEntries(
      parameterSpecs(cfg).map((s) => [s.name, tensor("float32", s.shape, weights[s.name])]),
    ),
    mask: tensor("float32", [rows, 1, T, T], mask),
    ids: tensor("int32", [rows, T], batch.inputs),
    positions: tensor("int64", [rows, T], batch.positions),
    targets: tensor("int32", [rows, T], batch.targets),
    weights: tensor("float32", [rows, T], batch.weights),
  };
  const out = await session.run(feeds);
  await session.release();
  return Number(out.loss.data[0]);
}

describe("SFT packing", () => {
  const rng = new Rng(11);
  const conversations = [
    conversation(rng, 6, 2),
    conversation(rng, 9, 4),
    conversation(rng, 5, 1),
    conversation(rng, 4, 2),
  ];

  it("lays conversations out first fit, restarting positions, with no target across a boundary", () => {
    const packed = conversationBatch(conversations, 16, true);
    // 5 + 8 steps in row 0; the 4 steps of conversation 2 do not fit, so row 1; conversation 3's 3 steps fill row 0
    expect(packed.rows).toBe(2);
    expect(Array.from(packed.segments.slice(0, 16))).toEqual([
      ...Array(5).fill(0),
      ...Array(8).fill(1),
      2,
      2,
      2,
    ]);
    expect(Array.from(packed.segments.slice(16, 20))).toEqual([0, 0, 0, 0]);
    expect(Array.from(packed.positions.slice(4, 7), Number)).toEqual([4, 0, 1]);
    expect(packed.targets[4]).toBe(conversations[0].ids[5]); // last step of conversation 0 predicts its own last token
    expect(packed.inputs[5]).toBe(conversations[1].ids[0]);
    expect(conversationBatch(conversations, 8, false).rows).toBe(4);
  });

  it.each([
    ["learned positions", { preset: "gpt2-style" }],
    ["rotary positions, grouped-query attention", { preset: "llama-style", kvHeads: 1 }],
  ] as const)(
    "gives the same loss packed as unpacked (%s), and differs when attention may cross conversations",
    async (_name, overrides) => {
      const model = ModelConfigSchema.parse({
        vocabSize: VOCAB,
        contextLength: 16,
        width: 8,
        layers: 1,
        heads: 2,
        ...overrides,
      });
      const unpacked = conversationBatch(conversations, 8, false);
      const packed = conversationBatch(conversations, 16, true);
      const lossUnpacked = await sftLossOf(model, unpacked, blockCausalMask(unpacked));
      const lossPacked = await sftLossOf(model, packed, blockCausalMask(packed));
      expect(Math.abs(lossPacked - lossUnpacked)).toBeLessThan(1e-6);

      // A plain causal mask over the packed row lets conversation 1 see conversation 0: the loss must change.
      const leaky = new Float32Array(packed.rows * 16 * 16);
      for (let r = 0; r < packed.rows; r++)
        for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) leaky[(r * 16 + i) * 16 + j] = -1e9;
      expect(Math.abs((await sftLossOf(model, packed, leaky)) - lossUnpacked)).toBeGreaterThan(1e-4);
    },
  );

  it("rejects a conversation whose mask does not match its ids", () => {
    expect(() => conversationBatch([{ ids: [1, 2, 3], lossMask: [0, 1] }], 8, true)).toThrow(
      /3 ids but 2 mask entries/,
    );
  });
});
