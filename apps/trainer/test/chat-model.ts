// A tiny chat model folder for generate-service tests: a BPE tokenizer with the chat template's special tokens
// and deterministic weights (no training: the service's behaviour, not the text, is under test).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  ModelConfigSchema,
  initialTrainerState,
  parameterSpecs,
  saveCheckpoint,
  trainBpe,
  type ModelConfig,
} from "@rlhf/engine";

const CORPUS = [
  "the cat sat on the mat and the dog sat on the log",
  "a model reads text and writes more text, one token at a time",
  "hello there, how are you today? i am fine, thank you",
];

/** Weights from a fixed sine sequence, scaled like a Kaiming init so that greedy tokens vary. */
function weightsOf(model: ModelConfig, seed: number) {
  return Object.fromEntries(
    parameterSpecs(model).map((spec, k) => {
      const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
      const scale = spec.role === "embedding" ? 1 : Math.sqrt(6 / spec.fanIn);
      if (spec.role === "norm") data.fill(1);
      else if (spec.role !== "bias")
        for (let i = 0; i < data.length; i++) data[i] = scale * Math.sin(i * 12.9898 + k * 78.233 + seed);
      return [spec.name, { dtype: "F32" as const, shape: spec.shape, data }];
    }),
  );
}

/** A shape larger than the default: a model slow enough per token that a person can stop it mid-answer. */
export type ChatModelShape = Partial<Pick<ModelConfig, "contextLength" | "width" | "layers" | "heads">>;

/** Writes the folder under `dir` and returns its path; `seed` varies the weights (two distinct models). */
export async function writeChatModel(dir: string, seed = 1, shape: ChatModelShape = {}): Promise<string> {
  const tokenizer = await trainBpe(CORPUS, { vocabSize: 320 });
  const model = ModelConfigSchema.parse({
    vocabSize: tokenizer.vocabSize,
    contextLength: 256,
    width: 32,
    layers: 1,
    heads: 2,
    ...shape,
  });
  const weights = weightsOf(model, seed);
  // The rows of the tokens that end a turn score 0 while the best of the others scores more: greedy decoding
  // never ends a turn by itself, so every generation runs to its max new tokens (or a stop request).
  const head = weights["lm_head.weight"] ?? weights["transformer.wte.weight"];
  for (const id of Object.values(tokenizer.specialTokens))
    head.data.fill(0, id * model.width, (id + 1) * model.width);
  const folder = join(dir, `chat-model-${seed}`);
  mkdirSync(dir, { recursive: true });
  saveCheckpoint(folder, {
    weights,
    optimizer: {},
    config: { format: "rlhf-engine-checkpoint", model },
    trainerState: initialTrainerState({ seed: 1, rng: [1, 2, 3, 4] }),
    tokenizerJson: tokenizer.toJSON(),
  });
  return folder;
}
