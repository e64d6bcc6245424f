/** A tiny random base checkpoint and synthetic JSONL files for the post-training runs under test. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelConfigSchema } from "../../src/config/model.js";
import type { TensorMap } from "../../src/io/safetensors.js";
import { initParameters, parameterSpecs } from "../../src/models/parameters.js";
import { byteLevelTokenizer } from "../../src/tokenizer/index.js";
import { checkpointDir, saveCheckpoint } from "../../src/train/checkpoint.js";
import { initialTrainerState } from "../../src/train/state.js";
import { Rng } from "../../src/util/rng.js";

export const TINY_MODEL = ModelConfigSchema.parse({
  vocabSize: 261,
  contextLength: 96,
  width: 16,
  layers: 1,
  heads: 2,
});

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** checkpoint-0 of a randomly initialised tiny model with the byte-level tokenizer; returns its folder. */
export function tinyBaseCheckpoint(root: string): string {
  const initial = initParameters(TINY_MODEL, new Rng(5));
  const weights: TensorMap = Object.fromEntries(
    parameterSpecs(TINY_MODEL).map((s) => [s.name, { dtype: "F32", shape: s.shape, data: initial[s.name] }]),
  );
  const dir = checkpointDir(join(root, "base"), 0);
  saveCheckpoint(dir, {
    weights,
    optimizer: {},
    config: { format: "rlhf-engine/pretrain", model: TINY_MODEL, run: {} },
    trainerState: initialTrainerState({ seed: 0, rng: new Rng(0).state() }),
    tokenizerJson: byteLevelTokenizer().toJSON(),
  });
  return dir;
}

export function writeJsonl(path: string, records: unknown[]): string {
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path;
}
