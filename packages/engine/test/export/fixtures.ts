/** Small checkpoints with a trained BPE tokenizer (ChatML special tokens included) for the export tests. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelConfigSchema, type ModelConfig, type ModelConfigInput } from "../../src/config/model.js";
import { generatorFromCheckpoint } from "../../src/generate/index.js";
import { hfSpecialTokens } from "../../src/hf/config.js";
import { initParameters, parameterSpecs } from "../../src/models/parameters.js";
import { type Tokenizer, trainBpe } from "../../src/tokenizer/index.js";
import { saveCheckpoint } from "../../src/train/checkpoint.js";
import { initialTrainerState } from "../../src/train/state.js";
import { Rng } from "../../src/util/rng.js";

export const PRESETS = [
  ["gpt2-style", { preset: "gpt2-style" }],
  ["llama-style with grouped-query attention", { preset: "llama-style", heads: 4, kvHeads: 2 }],
] as const;

const CORPUS = [
  "the cat sat on the mat and the dog sat on the log",
  "a model reads text and writes more text, one token at a time",
  "hello there, how are you today? i am fine, thank you",
];

export async function tinyTokenizer(): Promise<Tokenizer> {
  return trainBpe(CORPUS, { vocabSize: 320 });
}

/** A randomly initialised model (kaiming: decisive logits, so greedy tokens vary) with a trained tokenizer. */
export async function tinyModel(overrides: ModelConfigInput): Promise<{
  model: ModelConfig;
  weights: Record<string, Float32Array>;
  tokenizer: Tokenizer;
}> {
  const tokenizer = await tinyTokenizer();
  const model = ModelConfigSchema.parse({
    vocabSize: tokenizer.vocabSize,
    contextLength: 64,
    width: 32,
    layers: 2,
    heads: 4,
    ...overrides,
  });
  return { model, weights: initParameters({ ...model, init: "kaiming" }, new Rng(11)), tokenizer };
}

/** Saves a checkpoint folder as training writes it; returns its path. */
export function saveTinyCheckpoint(
  model: ModelConfig,
  weights: Record<string, Float32Array>,
  tokenizer: Tokenizer,
): string {
  const dir = join(mkdtempSync(join(tmpdir(), "export-")), "checkpoint-1");
  saveCheckpoint(dir, {
    weights: Object.fromEntries(
      parameterSpecs(model).map((s) => [
        s.name,
        { dtype: "F32" as const, shape: s.shape, data: weights[s.name] },
      ]),
    ),
    optimizer: {},
    config: { format: "rlhf-engine-checkpoint", model },
    trainerState: initialTrainerState({ seed: 1, rng: [1, 2, 3, 4] }),
    tokenizerJson: tokenizer.toJSON(),
  });
  return dir;
}

export async function tinyCheckpoint(
  overrides: ModelConfigInput,
): Promise<{ dir: string; tokenizer: Tokenizer }> {
  const { model, weights, tokenizer } = await tinyModel(overrides);
  return { dir: saveTinyCheckpoint(model, weights, tokenizer), tokenizer };
}

/** The engine's greedy tokens for `prompt`, stopping where generation_config.json says generation ends. */
export async function engineGreedy(
  dir: string,
  tokenizer: Tokenizer,
  prompt: string,
  maxNewTokens: number,
): Promise<{ prompt: number[]; tokens: number[] }> {
  const { generator } = generatorFromCheckpoint(dir, { threads: 1 });
  const specials = hfSpecialTokens(tokenizer.specialTokens);
  const stopTokens = [...(specials.eos === null ? [] : [specials.eos]), ...specials.stop];
  const ids = tokenizer.encode(prompt);
  const { tokens } = await generator.generate(ids, { maxNewTokens, temperature: 0, stopTokens });
  await generator.release();
  return { prompt: ids, tokens };
}
