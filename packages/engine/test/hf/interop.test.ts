/**
 * Hugging Face interop, checked against `transformers` itself (scripts/torch/hf_interop.py, one Python process):
 * its Auto classes load the engine's checkpoint folders (gpt2, llama with grouped-query attention, a reward model,
 * the BERT masked LM) with the engine's logits, tokens and chat template; and the engine loads folders that
 * transformers' save_pretrained wrote, with transformers' logits.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type ModelConfig, type ModelConfigInput, ModelConfigSchema } from "../../src/config/model.js";
import { argmax } from "../../src/generate/sample.js";
import { generatorFromCheckpoint } from "../../src/generate/checkpoint.js";
import { HF_SCORE_HEAD as SCORE } from "../../src/hf/config.js";
import { loadModelFolder } from "../../src/hf/folder.js";
import { modelNames } from "../../src/models/parameters.js";
import { OptimizerConfigSchema } from "../../src/config/pretrain.js";
import { tokenizerMaskId } from "../../src/hf/tokenizer.js";
import { labelsToTargets } from "../../src/objectives/crossEntropy.js";
import { toOnnx } from "../../src/onnx/index.js";
import { loadBaseModel } from "../../src/posttrain/model.js";
import { Session, tensor } from "../../src/runtime/index.js";
import { maskTokens } from "../../src/train/batches.js";
import { IO, buildGradientGraph, gradName } from "../../src/train/step.js";
import { Rng } from "../../src/util/rng.js";
import {
  type ChatMessage,
  type Tokenizer,
  renderChat,
  trainBpe,
  trainWordPiece,
} from "../../src/tokenizer/index.js";
import {
  HELD_OUT_TEXT,
  type HfGradResult,
  type HfResult,
  engineLogits,
  maxAbsDiff,
  randomWeights,
  relativeError,
  runHfJobs,
  tensorMap,
  writeCheckpoint,
} from "./helpers.js";

const CORPUS = Array.from(
  { length: 40 },
  (_, i) => `Tokenizers learn pieces from text number ${i}: the model reads, writes and answers questions.`,
);
const CHAT: ChatMessage[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Name a colour." },
  { role: "assistant", content: "Blue." },
  { role: "user", content: "Another one?" },
];
const SHAPE = { width: 32, layers: 2, heads: 4, contextLength: 64 };
const TOLERANCE = 1e-4;

interface EngineCase {
  name: string;
  model: ModelConfig;
  tokenizer: Tokenizer;
  weights: Record<string, Float32Array>;
  /** a reward model's `score.weight` */
  scoreHead?: Float32Array;
  ids: number[];
  dir: string;
}

function engineCase(
  name: string,
  tokenizer: Tokenizer,
  input: ModelConfigInput,
  seed: number,
  reward = false,
): EngineCase {
  const model = ModelConfigSchema.parse({ vocabSize: tokenizer.vocabSize, ...SHAPE, ...input });
  const weights = randomWeights(model, seed);
  const ids = tokenizer.encode(HELD_OUT_TEXT).slice(0, model.contextLength);
  if (reward) {
    const scoreHead = randomWeights(model, seed + 1)[modelNames(model).tokens].slice(0, model.width);
    const tensors = {
      ...tensorMap(weights, model),
      [SCORE]: { dtype: "F32" as const, shape: [1, model.width], data: scoreHead },
    };
    const dir = writeCheckpoint(model, tensors, tokenizer.toJSON(), "rlhf-engine/reward");
    return { name, model, tokenizer, weights, scoreHead, ids, dir };
  }
  return {
    name,
    model,
    tokenizer,
    weights,
    ids,
    dir: writeCheckpoint(model, tensorMap(weights, model), tokenizer.toJSON()),
  };
}

const HF_SAVED = {
  gpt2: { vocab_size: 300, n_embd: 32, n_layer: 2, n_head: 4, n_positions: 64 },
  llama: {
    vocab_size: 300,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 64,
    rope_theta: 500000,
  },
  bert: {
    vocab_size: 300,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    max_position_embeddings: 64,
  },
} as const;
const HF_IDS = [Array.from({ length: 24 }, (_, i) => (i * 37 + 5) % 300)];

let cases: EngineCase[];
let loaded: HfResult[];
/** a masked-LM batch of the bert case: one full-context row, masked with the tokenizer's [MASK] */
let mlm: { inputs: Int32Array; labels: Int32Array; hf: HfGradResult };
let saved: Record<keyof typeof HF_SAVED, { dir: string; result: HfResult }>;

beforeAll(async () => {
  const bpe = await trainBpe(CORPUS, { vocabSize: 300 });
  const wordpiece = await trainWordPiece(CORPUS, { vocabSize: 120 });
  cases = [
    engineCase("gpt2-style", bpe, { preset: "gpt2-style" }, 1),
    engineCase("llama-style (grouped-query)", bpe, { preset: "llama-style", kvHeads: 2 }, 2),
    engineCase("bert-style masked LM", wordpiece, { preset: "bert-style" }, 3),
    engineCase("gpt2-style reward model", bpe, { preset: "gpt2-style" }, 4, true),
  ];
  const bert = cases[2];
  const T = bert.model.contextLength;
  const row = Int32Array.from({ length: T }, (_, i) => bert.ids[i % bert.ids.length]);
  const masked = maskTokens(row, new Rng(7), {
    vocabSize: bert.model.vocabSize,
    maskTokenId: tokenizerMaskId(bert.tokenizer.toJSON())!,
    maskProbability: 0.3,
  });
  const savedDir = mkdtempSync(join(tmpdir(), "hf-saved-"));
  const kinds = Object.keys(HF_SAVED) as (keyof typeof HF_SAVED)[];
  const results = runHfJobs([
    ...cases.map((c) => ({
      op: "load",
      folder: c.dir,
      ids: [c.ids],
      text: HELD_OUT_TEXT,
      ...(c.model.attention === "causal" ? { chat: CHAT } : {}),
    })),
    { op: "grad", folder: bert.dir, ids: [[...masked.inputs]], labels: [[...masked.labels]] },
    ...kinds.map((kind) => ({
      op: "save",
      kind,
      folder: join(savedDir, kind),
      config: HF_SAVED[kind],
      ids: HF_IDS,
    })),
  ]);
  loaded = results.slice(0, cases.length);
  mlm = { ...masked, hf: results[cases.length] as unknown as HfGradResult };
  saved = Object.fromEntries(
    kinds.map((kind, i) => [kind, { dir: join(savedDir, kind), result: results[cases.length + 1 + i] }]),
  ) as typeof saved;
}, 120_000);

describe("transformers loads the engine's checkpoint folders", () => {
  it.each([0, 1, 2])(
    "case %i: the model class of config.json, the engine's logits within 1e-4",
    async (i) => {
      const c = cases[i];
      const hf = loaded[i];
      const expectedClass = { gpt2: "GPT2LMHeadModel", llama: "LlamaForCausalLM", bert: "BertForMaskedLM" };
      expect(hf.class, c.name).toBe(expectedClass[c.model.layout]);
      expect(hf.shape).toEqual([1, c.ids.length, c.model.vocabSize]);
      const engine = await engineLogits(c.model, c.weights, [c.ids]);
      expect(maxAbsDiff(hf.logits, engine), c.name).toBeLessThan(TOLERANCE);
    },
  );

  it("a reward model loads as GPT2ForSequenceClassification with the engine's score of the last token", async () => {
    const c = cases[3];
    expect(loaded[3].class).toBe("GPT2ForSequenceClassification");
    expect(loaded[3].shape).toEqual([1, 1]);
    const scores = await engineLogits(c.model, c.weights, [c.ids], c.scoreHead);
    expect(Math.abs(loaded[3].logits[0] - scores[c.ids.length - 1])).toBeLessThan(TOLERANCE);
  });

  it.each([0, 1, 2])("case %i: AutoTokenizer encodes as the engine does", (i) => {
    const c = cases[i];
    expect(loaded[i].encoded).toEqual(c.tokenizer.encode(HELD_OUT_TEXT));
    expect(loaded[i].special_tokens!.pad).toBe(
      c.tokenizer.specialTokens["<pad>"] ?? c.tokenizer.specialTokens["[PAD]"],
    );
  });

  it("apply_chat_template gives renderChat's tokens", () => {
    for (const i of [0, 1])
      expect(loaded[i].chat_ids).toEqual(
        renderChat(CHAT, cases[i].tokenizer, { addGenerationPrompt: true }).ids,
      );
  });

  it("the masked LM's mask token is WordPiece's [MASK], not a byte", () => {
    const bert = cases[2];
    expect(loaded[2].special_tokens!.mask).toBe(bert.tokenizer.specialTokens["[MASK]"]);
    expect(bert.tokenizer.idToToken(loaded[2].special_tokens!.mask!)).toBe("[MASK]");
  });
});

describe("the BERT masked LM trains as BertForMaskedLM does", () => {
  it("has its masked-LM loss and the gradient of every parameter", async () => {
    const bert = cases[2];
    expect(
      mlm.labels.some((l, i) => l !== -100 && mlm.inputs[i] === bert.tokenizer.specialTokens["[MASK]"]),
    ).toBe(true);
    const T = bert.model.contextLength;
    const graph = buildGradientGraph({
      model: bert.model,
      objective: "masked_lm",
      batchSize: 1,
      optimizer: OptimizerConfigSchema.parse({}),
    });
    const session = await Session.create(toOnnx(graph.graph), { threads: 1 });
    const { targets, weights } = labelsToTargets(mlm.labels);
    const out = await session.run({
      ...Object.fromEntries(
        graph.specs.map((s) => [s.name, tensor("float32", s.shape, bert.weights[s.name])]),
      ),
      [IO.inputIds]: tensor("int32", [1, T], mlm.inputs),
      [IO.targets]: tensor("int32", [1, T], targets),
      [IO.lossWeights]: tensor("float32", [1, T], weights),
    });
    await session.release();
    expect(Math.abs(Number(out[IO.loss].data[0]) - mlm.hf.loss)).toBeLessThan(TOLERANCE);
    expect(Object.keys(mlm.hf.grads).sort()).toEqual(graph.specs.map((s) => s.name).sort());
    for (const s of graph.specs) {
      const engine = out[gradName(s.name)].data as Float32Array;
      expect(relativeError(engine, mlm.hf.grads[s.name]), `gradient of ${s.name}`).toBeLessThan(TOLERANCE);
    }
  });
});

describe("the engine loads folders saved by transformers", () => {
  it.each(["gpt2", "llama", "bert"] as const)(
    "%s: the config mapped, transformers' logits within 1e-4",
    async (kind) => {
      const { dir, result } = saved[kind];
      const folder = loadModelFolder(dir);
      expect(folder.model.layout).toBe(kind);
      if (kind === "llama") expect(folder.model).toMatchObject({ kvHeads: 2, ropeTheta: 500000 });
      const weights = Object.fromEntries(
        Object.entries(folder.weights).map(([k, t]) => [k, t.data as Float32Array]),
      );
      const engine = await engineLogits(folder.model, weights, HF_IDS);
      expect(maxAbsDiff(result.logits, engine)).toBeLessThan(TOLERANCE);
    },
  );

  it("post-training and generation start from a transformers folder", async () => {
    const { dir, result } = saved.llama;
    copyFileSync(join(cases[1].dir, "tokenizer.json"), join(dir, "tokenizer.json"));
    const base = loadBaseModel(dir);
    expect(base.model).toMatchObject({ layout: "llama", kvHeads: 2 });
    expect(base.tokenizer.vocabSize).toBe(cases[1].tokenizer.vocabSize);
    const { generator } = generatorFromCheckpoint(dir);
    const next = await generator.generate(HF_IDS[0], { maxNewTokens: 1, temperature: 0 });
    await generator.release();
    const V = HF_SAVED.llama.vocab_size;
    const S = HF_IDS[0].length;
    expect(next.tokens).toEqual([argmax(result.logits.slice((S - 1) * V, S * V))]);
  });
});
