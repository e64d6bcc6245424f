/** Shared by the Hugging Face interop tests: the engine's logits, random weights, and the Python side's jobs. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModelConfig } from "../../src/config/model.js";
import { Graph } from "../../src/graph/graph.js";
import * as op from "../../src/graph/ops.js";
import type { TensorMap } from "../../src/io/safetensors.js";
import { initParameters, parameterSpecs } from "../../src/models/parameters.js";
import { sequenceAttention, transformerHidden, transformerLogits } from "../../src/models/transformer.js";
import { toOnnx } from "../../src/onnx/index.js";
import { Session, tensor } from "../../src/runtime/index.js";
import { saveCheckpoint } from "../../src/train/checkpoint.js";
import { initialTrainerState } from "../../src/train/state.js";
import { Rng } from "../../src/util/rng.js";
import { PYTHON_ENV_VAR } from "./python-env.js";

/** Text for the logit comparisons; the models never trained on anything. */
export const HELD_OUT_TEXT = "The quick brown fox jumps over the lazy dog, then naps: 42 winks!";

/**
 * Logits [B, S, vocab] of the engine's own graph for `ids` (rows of equal length); with `scoreHead` ([1, width],
 * a reward model's), the scalar score at every position [B, S, 1] instead.
 */
export async function engineLogits(
  model: ModelConfig,
  weights: Record<string, Float32Array>,
  ids: number[][],
  scoreHead?: Float32Array,
): Promise<Float32Array> {
  const [B, S] = [ids.length, ids[0].length];
  const g = new Graph("logits");
  const params = Object.fromEntries(
    parameterSpecs(model).map((s) => [s.name, g.constant("float32", s.shape, weights[s.name])]),
  );
  const positions = g.constant(
    "int64",
    [S],
    Array.from({ length: S }, (_, i) => i),
  );
  const inputs = {
    ids: g.input("input_ids", "int32", [B, S]),
    positions,
    attend: sequenceAttention(model, S),
  };
  const score = scoreHead && g.constant("float32", [1, model.width], scoreHead);
  g.output(
    "logits",
    score
      ? op.matmul(transformerHidden(model, params, inputs), op.transposeLast(score))
      : transformerLogits(model, params, inputs),
  );
  const session = await Session.create(toOnnx(g), { threads: 1 });
  try {
    const out = await session.run({ input_ids: tensor("int32", [B, S], Int32Array.from(ids.flat())) });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Initial weights with every tensor perturbed, so norm weights and biases are not their initial 1 and 0. */
export function randomWeights(model: ModelConfig, seed: number): Record<string, Float32Array> {
  const weights = initParameters({ ...model, init: "kaiming" }, new Rng(seed));
  const rng = new Rng(seed + 1);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += 0.1 * rng.normal();
  return weights;
}

export function tensorMap(weights: Record<string, Float32Array>, shapes: ModelConfig): TensorMap {
  return Object.fromEntries(
    parameterSpecs(shapes).map((s) => [
      s.name,
      { dtype: "F32" as const, shape: s.shape, data: weights[s.name] },
    ]),
  );
}

/** An engine checkpoint folder of `model` with these weights and tokenizer. */
export function writeCheckpoint(
  model: ModelConfig,
  weights: TensorMap,
  tokenizerJson: string,
  format = "rlhf-engine/pretrain",
): string {
  const dir = join(mkdtempSync(join(tmpdir(), "hf-interop-")), "checkpoint-1");
  saveCheckpoint(dir, {
    weights,
    optimizer: {},
    config: { format, model, run: {}, data: null },
    trainerState: initialTrainerState({ seed: 1, rng: [1, 2, 3, 4] }),
    tokenizerJson,
  });
  return dir;
}

export interface HfResult {
  class: string;
  config_class?: string;
  logits: number[];
  shape: number[];
  encoded?: number[];
  decoded?: string;
  chat_ids?: number[];
  special_tokens?: { pad: number | null; mask: number | null; eos: number | null };
}

export interface HfGradResult {
  loss: number;
  grads: Record<string, number[]>;
}

/** Runs scripts/torch/hf_interop.py on `jobs` in one Python process; a "grad" job gives an HfGradResult. */
export function runHfJobs(jobs: object[]): HfResult[] {
  const python = process.env[PYTHON_ENV_VAR];
  if (!python)
    throw new Error(
      `${PYTHON_ENV_VAR} is not set: the vitest global setup (test/hf/python-env.ts) did not run`,
    );
  const dir = mkdtempSync(join(tmpdir(), "hf-jobs-"));
  writeFileSync(join(dir, "jobs.json"), JSON.stringify(jobs));
  const script = fileURLToPath(new URL("../../scripts/torch/hf_interop.py", import.meta.url));
  execFileSync(python, [script, join(dir, "jobs.json"), join(dir, "out.json")], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_VERBOSITY: "error" },
  });
  return JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as HfResult[];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * ||a - b|| / max(||b||, floor): relative where b has substance; a gradient that is zero in exact arithmetic (a key
 * bias: softmax ignores a per-query constant) is all rounding noise on both sides and compares in absolute terms.
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), floor);
}
