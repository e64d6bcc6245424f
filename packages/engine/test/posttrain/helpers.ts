/** A tiny random base checkpoint and synthetic JSONL files for the post-training runs under test. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { JobKind } from "../../src/config/jobs.js";
import { type JobResult, type Metrics, runJob } from "../../src/jobs/index.js";
import { readSafetensors } from "../../src/io/safetensors.js";
import { ModelConfigSchema } from "../../src/config/model.js";
import type { TensorMap } from "../../src/io/safetensors.js";
import { initParameters, parameterSpecs } from "../../src/models/parameters.js";
import { byteLevelTokenizer } from "../../src/tokenizer/index.js";
import { checkpointDir, saveCheckpoint } from "../../src/train/checkpoint.js";
import { initialTrainerState } from "../../src/train/state.js";
import { rankings } from "../../src/posttrain/synthetic.js";
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

export interface RecordedRun {
  result: JobResult;
  /** train/loss per step, in step order */
  losses: number[];
  records: { step: number; metrics: Metrics }[];
  logs: { message: string; level: string }[];
}

/** runJob with every callback recorded; `cancelAtStep` aborts the signal when that step's progress is reported. */
export async function recordJob(
  kind: JobKind,
  config: unknown,
  workDir: string,
  cancelAtStep?: number,
): Promise<RecordedRun> {
  const controller = new AbortController();
  const run: Omit<RecordedRun, "result"> = { losses: [], records: [], logs: [] };
  const result = await runJob(kind, config, {
    workDir,
    signal: controller.signal,
    onMetrics: (step, metrics) => {
      run.records.push({ step, metrics });
      if (metrics["train/loss"] !== undefined) run.losses.push(metrics["train/loss"]);
    },
    onProgress: (step) => step === cancelAtStep && controller.abort(),
    onLog: (message, level) => run.logs.push({ message, level }),
  });
  return { ...run, result };
}

/** The weights of a checkpoint folder as raw bytes per tensor (bit-for-bit comparison). */
export function weightBytes(dir: string): Record<string, string> {
  const { tensors } = readSafetensors(join(dir, "model.safetensors"));
  return Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [
      k,
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64"),
    ]),
  );
}

/**
 * The exact-resume check for any kind: a run cancelled through its signal after `cancelAt` steps, then
 * started again on the same workDir, gives the losses and the final weights of an uninterrupted run, bit for bit.
 */
export async function expectExactResume(
  kind: JobKind,
  config: (workDir: string) => unknown,
  root: string,
  cancelAt: number,
): Promise<RecordedRun> {
  const full = await recordJob(kind, config(join(root, "full")), join(root, "full"));
  expect(full.result.status).toBe("completed");
  const dir = join(root, "cancelled");
  const first = await recordJob(kind, config(dir), dir, cancelAt);
  expect(first.result.status).toBe("cancelled");
  expect(first.result.step).toBe(cancelAt);
  const second = await recordJob(kind, config(dir), dir);
  expect(second.result.status).toBe("completed");
  expect(second.logs.some((l) => l.message.startsWith("resuming from"))).toBe(true);
  expect([...first.losses, ...second.losses]).toEqual(full.losses);
  expect(weightBytes(second.result.finalCheckpoint)).toEqual(weightBytes(full.result.finalCheckpoint));
  return full;
}

/** A reward model trained for two steps on synthetic rankings from `base`: the scorer of the online-RL tests. */
export function tinyRewardModel(root: string, base: string): Promise<RecordedRun> {
  return recordJob(
    "reward",
    {
      baseCheckpoint: base,
      data: {
        train: writeJsonl(join(root, "rankings.jsonl"), rankings(new Rng(3), 16)),
        validationFraction: 0,
      },
      learningRate: 1e-2,
      batchSize: 4,
      maxSteps: 2,
    },
    join(root, "rm"),
  );
}
