import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelConfigSchema } from "../../src/config/model.js";
import { readSafetensors } from "../../src/io/safetensors.js";
import { byteLevelTokenizer } from "../../src/tokenizer/index.js";
import {
  bestCheckpoint,
  checkpointDir,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  markBestCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
  type CheckpointContents,
} from "../../src/train/checkpoint.js";
import { initialTrainerState } from "../../src/train/state.js";

const MODEL = ModelConfigSchema.parse({ preset: "llama-style", vocabSize: 2, width: 2, heads: 1, layers: 1 });
const ENGINE_CONFIG = { format: "rlhf-engine/pretrain", model: MODEL, run: { steps: 3 }, data: null };

function contents(step: number): CheckpointContents {
  return {
    weights: {
      "model.embed_tokens.weight": { dtype: "F32", shape: [2, 2], data: new Float32Array([step, 1, 2, 3]) },
    },
    optimizer: {
      "exp_avg.model.embed_tokens.weight": {
        dtype: "F32",
        shape: [2, 2],
        data: new Float32Array([0.5, 0, 0, step]),
      },
    },
    config: ENGINE_CONFIG,
    trainerState: { ...initialTrainerState({ seed: 3, rng: [1, 2, 3, 4] }), step },
  };
}

function freshRun(): string {
  return mkdtempSync(join(tmpdir(), "ckpt-"));
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
const tokenizerJson = byteLevelTokenizer().toJSON();

describe("checkpoint folders", () => {
  it("save then load returns every part, with format=pt on the weights", () => {
    const dir = join(freshRun(), "checkpoint-5");
    const onnx = new Uint8Array([8, 1, 2, 3]);
    saveCheckpoint(dir, {
      ...contents(5),
      tokenizerJson,
      onnxModel: onnx,
      weightsMetadata: { step: "5" },
    });
    expect(readdirSync(dir).sort()).toEqual([
      "config.json",
      "engine_config.json",
      "generation_config.json",
      "model.onnx",
      "model.safetensors",
      "optimizer.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
      "trainer_state.json",
    ]);
    const loaded = loadCheckpoint(dir);
    expect(loaded.weights).toEqual(contents(5).weights);
    expect(loaded.optimizer).toEqual(contents(5).optimizer);
    expect(loaded.config).toEqual(JSON.parse(JSON.stringify(ENGINE_CONFIG)));
    expect(loaded.trainerState).toEqual(contents(5).trainerState);
    expect(loaded.tokenizerJson).toBe(tokenizerJson);
    expect(new Uint8Array(readFileSync(loaded.onnxModelPath!))).toEqual(onnx);
    expect(readSafetensors(join(dir, "model.safetensors")).metadata).toEqual({ step: "5", format: "pt" });
  });

  it("is a Hugging Face model folder: config.json from the model, generation and tokenizer configs", () => {
    const dir = join(freshRun(), "checkpoint-1");
    saveCheckpoint(dir, { ...contents(1), tokenizerJson });
    expect(readJson(join(dir, "config.json"))).toMatchObject({
      model_type: "llama",
      architectures: ["LlamaForCausalLM"],
      hidden_size: 2,
      num_key_value_heads: 1,
      bos_token_id: 256,
      eos_token_id: 256,
      pad_token_id: 259,
    });
    expect(readJson(join(dir, "generation_config.json"))).toMatchObject({ eos_token_id: [256, 258] });
    expect(readJson(join(dir, "tokenizer_config.json"))).toMatchObject({
      eos_token: "<|endoftext|>",
      pad_token: "<pad>",
      chat_template: expect.stringContaining("<|im_start|>"),
    });
  });

  it("writes a reward model (score head) as a sequence classifier with one label", () => {
    const dir = join(freshRun(), "checkpoint-1");
    const c = contents(1);
    saveCheckpoint(dir, {
      ...c,
      weights: { ...c.weights, "score.weight": { dtype: "F32", shape: [1, 2], data: new Float32Array(2) } },
    });
    expect(readJson(join(dir, "config.json"))).toMatchObject({
      architectures: ["LlamaForSequenceClassification"],
      num_labels: 1,
    });
  });

  it("refuses a model Hugging Face cannot represent, naming the switch, and writes nothing", () => {
    const run = freshRun();
    const model = ModelConfigSchema.parse({ preset: "gpt2-style", norm: "rmsnorm", width: 2, heads: 1 });
    expect(() =>
      saveCheckpoint(checkpointDir(run, 1), { ...contents(1), config: { ...ENGINE_CONFIG, model } }),
    ).toThrow(/cannot write a Hugging Face config.json: model config: norm "rmsnorm" is not representable/);
    expect(readdirSync(run)).toEqual([]);
  });

  it("loads folders written before config.json became Hugging Face's", () => {
    const dir = join(freshRun(), "checkpoint-1");
    saveCheckpoint(dir, contents(1));
    renameSync(join(dir, "engine_config.json"), join(dir, "config.json"));
    expect(loadCheckpoint(dir).config).toEqual(JSON.parse(JSON.stringify(ENGINE_CONFIG)));
  });

  it("replaces an existing folder whole and leaves no temp folders", () => {
    const run = freshRun();
    const dir = checkpointDir(run, 5);
    saveCheckpoint(dir, { ...contents(5), tokenizerJson });
    saveCheckpoint(dir, contents(6));
    expect(loadCheckpoint(dir).trainerState.step).toBe(6);
    expect(existsSync(join(dir, "tokenizer.json"))).toBe(false);
    expect(existsSync(join(dir, "tokenizer_config.json"))).toBe(false);
    expect(readdirSync(run)).toEqual(["checkpoint-5"]);
  });

  it("a save that fails midway keeps the previous checkpoint untouched", () => {
    const run = freshRun();
    const dir = checkpointDir(run, 5);
    saveCheckpoint(dir, contents(5));
    const bad = contents(6);
    bad.optimizer = { m: { dtype: "F32", shape: [3], data: new Float32Array(2) } };
    expect(() => saveCheckpoint(dir, bad)).toThrow(/tensor "m" has shape \[3\]/);
    expect(loadCheckpoint(dir).trainerState.step).toBe(5);
    expect(readdirSync(run)).toEqual(["checkpoint-5"]);
  });

  it("recovers the previous folder when a crash fell between the two renames of a replace", () => {
    const run = freshRun();
    saveCheckpoint(checkpointDir(run, 5), contents(5));
    renameSync(checkpointDir(run, 5), join(run, "checkpoint-5.old-4242"));
    mkdirSync(join(run, "checkpoint-9.tmp-4242"));
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([5]);
    expect(loadCheckpoint(checkpointDir(run, 5)).trainerState.step).toBe(5);
  });

  it("names what is wrong with a damaged folder", () => {
    const dir = join(freshRun(), "checkpoint-1");
    expect(() => loadCheckpoint(dir)).toThrow(/checkpoint .*checkpoint-1: no such checkpoint folder/);
    saveCheckpoint(dir, contents(1));
    writeFileSync(
      join(dir, "trainer_state.json"),
      JSON.stringify({ ...contents(1).trainerState, step: "one" }),
    );
    expect(() => loadCheckpoint(dir)).toThrow(/trainer_state.json: invalid trainer state: step/);
    writeFileSync(join(dir, "engine_config.json"), "{oops");
    expect(() => loadCheckpoint(dir)).toThrow(/engine_config.json is not valid JSON/);
    writeFileSync(join(dir, "model.safetensors"), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(() => loadCheckpoint(dir)).toThrow(/model.safetensors: header size 1 runs past the end/);
    const partial = join(freshRun(), "checkpoint-2");
    mkdirSync(partial);
    writeFileSync(join(partial, "config.json"), "{}");
    expect(() => loadCheckpoint(partial)).toThrow(
      /missing model.safetensors, optimizer.safetensors, trainer_state.json/,
    );
  });
});

describe("a run's checkpoints", () => {
  it("lists by step number, finds the latest, marks the best, and prunes all but the last N and the best", () => {
    const run = freshRun();
    for (const step of [9, 10, 100, 20, 30]) saveCheckpoint(checkpointDir(run, step), contents(step));
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([9, 10, 20, 30, 100]);
    expect(latestCheckpoint(run)).toEqual({ step: 100, dir: checkpointDir(run, 100) });
    expect(bestCheckpoint(run)).toBeNull();

    markBestCheckpoint(run, 20);
    markBestCheckpoint(run, 10);
    expect(lstatSync(join(run, "best")).isSymbolicLink()).toBe(true);
    expect(bestCheckpoint(run)).toEqual({ step: 10, dir: checkpointDir(run, 10) });

    mkdirSync(join(run, "checkpoint-200.tmp-999999999"));
    const removed = pruneCheckpoints(run, 2);
    expect(removed.sort()).toEqual(
      [checkpointDir(run, 20), checkpointDir(run, 9), join(run, "checkpoint-200.tmp-999999999")].sort(),
    );
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([10, 30, 100]);
    expect(loadCheckpoint(join(run, "best")).trainerState.step).toBe(10);
    expect(() => markBestCheckpoint(run, 9)).toThrow(/cannot mark as best: no such checkpoint folder/);
  });

  it("replaces a best folder that is a copy (where symlinks were refused) with a link", () => {
    const run = freshRun();
    saveCheckpoint(checkpointDir(run, 1), contents(1));
    saveCheckpoint(checkpointDir(run, 2), contents(2));
    saveCheckpoint(join(run, "best"), contents(1));
    expect(bestCheckpoint(run)).toEqual({ step: 1, dir: join(run, "best") });
    markBestCheckpoint(run, 2);
    expect(bestCheckpoint(run)).toEqual({ step: 2, dir: checkpointDir(run, 2) });
    expect(readdirSync(run).sort()).toEqual(["best", "checkpoint-1", "checkpoint-2"]);
  });

  it("returns nothing for a run folder that does not exist yet", () => {
    expect(listCheckpoints(join(freshRun(), "nope"))).toEqual([]);
    expect(latestCheckpoint(join(freshRun(), "nope"))).toBeNull();
  });
});
