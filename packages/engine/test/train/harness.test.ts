import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PretrainConfigInput } from "../../src/config/pretrain.js";
import { writeShard } from "../../src/io/shards.js";
import { runJob } from "../../src/jobs/index.js";
import { TokenBatches } from "../../src/train/batches.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { expectExactResume, recordJob, tempDir } from "../posttrain/helpers.js";

// A learnable stream: a repeating pattern with some noise, so losses fall and validation has something to measure.
function corpus(n = 6000): number[] {
  const out: number[] = [];
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(i % 7 === 0 ? x % 32 : (i * 3) % 32);
  }
  return out;
}

function shard(tokens = corpus()): string {
  const path = join(tempDir("engine-harness-data"), "train.bin");
  writeShard(path, tokens, { dtype: "uint16" });
  return path;
}

const tiny = (extra: Partial<PretrainConfigInput> = {}): PretrainConfigInput => ({
  data: { shards: [shard()] },
  model: { vocabSize: 32, contextLength: 16, width: 16, layers: 1, heads: 2, dropout: 0.1 },
  steps: 6,
  batchSize: 4,
  microBatches: 2,
  evalEvery: 2,
  evalBatches: 2,
  checkpointEvery: 3,
  schedule: { lr: 3e-3, warmupSteps: 2 },
  runtime: { threads: 2, executionProvider: "cpu" },
  ...extra,
});

describe("runJob pretrain", () => {
  it(
    "cancels through its signal and resumes bit for bit, writing every metric",
    { timeout: 60_000 },
    async () => {
      const config = tiny();
      const root = tempDir("engine-harness");
      const full = await expectExactResume("pretrain", () => config, root, 4);
      const lines = readFileSync(join(root, "full", "metrics.jsonl"), "utf8")
        .trim()
        .split("\n");
      const names = new Set(lines.flatMap((l) => Object.keys(JSON.parse(l))));
      for (const name of [
        "train/loss",
        "train/grad_norm",
        "train/lr",
        "perf/tokens_per_s",
        "grad_norm/block_0",
        "update_ratio/head",
        "eval/loss",
        "eval/perplexity",
      ])
        expect(names, name).toContain(name);
      // the cancelled attempt's metrics were not written twice
      const resumedLines = readFileSync(join(root, "cancelled", "metrics.jsonl"), "utf8")
        .trim()
        .split("\n");
      expect(resumedLines.map((l) => JSON.parse(l).step)).toEqual(lines.map((l) => JSON.parse(l).step));
      const ckpt = loadCheckpoint(full.result.finalCheckpoint);
      expect(ckpt.trainerState.step).toBe(6);
      expect(ckpt.onnxModelPath && existsSync(ckpt.onnxModelPath)).toBe(true);
    },
  );

  it(
    "runs K updates per session.run with the losses of one update per run",
    { timeout: 60_000 },
    async () => {
      const config = tiny({ microBatches: 1, steps: 7, evalEvery: 4, checkpointEvery: 100 });
      const one = await recordJob("pretrain", config, tempDir("engine-k1"));
      const looped = await recordJob("pretrain", { ...config, stepsPerRun: 3 }, tempDir("engine-k3"));
      expect(looped.losses).toEqual(one.losses);
      expect(looped.result.lastEval).toEqual(one.result.lastEval);
    },
  );

  it("evaluates a validation split of 2 windows with batch 8", async () => {
    // 6000 tokens make 352 windows of 17; 0.006 of them is 2
    const config = tiny({ validationFraction: 0.006, batchSize: 8, microBatches: 1, steps: 2 });
    const batches = TokenBatches.fromShards(config.data.shards, {
      seqLen: 16,
      vocabSize: 32,
      validationFraction: 0.006,
      seed: 1234,
    });
    expect(batches.validationSequenceCount).toBe(2);
    const run = await recordJob("pretrain", config, tempDir("engine-small-val"));
    expect(run.result.lastEval?.["eval/loss"]).toBeGreaterThan(0);
    expect(run.result.bestCheckpoint).not.toBeNull();
  });

  it("says once at start-up that there is no validation data", async () => {
    const run = await recordJob(
      "pretrain",
      tiny({ validationFraction: 0, steps: 2 }),
      tempDir("engine-no-val"),
    );
    expect(run.logs.filter((l) => l.message.includes("no validation data"))).toHaveLength(1);
    expect(run.result.bestCheckpoint).toBeNull();
    expect(run.result.lastEval).toBeNull();
  });

  it("writes `best` at the best evaluation even when it is not a save step", async () => {
    const workDir = tempDir("engine-best");
    // patience 1 with a large minDelta: the eval at step 4 cannot beat step 2's by 0.5, so the run stops there
    const run = await recordJob(
      "pretrain",
      tiny({ steps: 20, checkpointEvery: 100, earlyStopping: { patience: 1, minDelta: 0.5 } }),
      workDir,
    );
    expect(run.result.status).toBe("early_stopped");
    expect(run.result.step).toBe(4);
    expect(readlinkSync(run.result.bestCheckpoint!)).toBe("checkpoint-2");
    expect(loadCheckpoint(join(workDir, "best")).trainerState.bestStep).toBe(2);
    // running it again does not train on past its early stop
    const again = await recordJob(
      "pretrain",
      tiny({ steps: 20, checkpointEvery: 100, earlyStopping: { patience: 1, minDelta: 0.5 } }),
      workDir,
    );
    expect(again.result).toMatchObject({ status: "early_stopped", step: 4 });
    expect(again.losses).toEqual([]);
  });

  it("stops a run at lr 10 within a few steps with an error, and marks no diverged checkpoint best", async () => {
    const rules = [
      [{}, /training diverged at step 1: the update would move .* x its own norm/],
      // with the update-size stop out of the way, the loss rule stops it
      [
        { maxUpdateRatio: 1e30 },
        /training diverged at step \d+: the training loss stayed above 3 x the first step's loss/,
      ],
    ] as const;
    for (const [divergence, message] of rules) {
      const workDir = tempDir("engine-lr10");
      const run = runJob(
        "pretrain",
        tiny({
          model: { vocabSize: 32, contextLength: 16, width: 16, layers: 1, heads: 2 },
          microBatches: 1,
          steps: 50,
          evalEvery: 1,
          checkpointEvery: 1,
          keepCheckpoints: 1,
          schedule: { lr: 10, warmupSteps: 0, decay: "constant" },
          divergence,
        }),
        { workDir },
      );
      const error = await run.then(
        () => null,
        (err: Error) => err,
      );
      expect(error?.message).toMatch(message);
      expect(Number(/at step (\d+)/.exec(error!.message)![1])).toBeLessThanOrEqual(10);
      expect(existsSync(join(workDir, "best"))).toBe(false);
      const lastGood = /the last good checkpoint is (\S+)\./.exec(error!.message)?.[1];
      if (lastGood)
        for (const t of Object.values(loadCheckpoint(lastGood).weights))
          expect((t.data as Float32Array).every(Number.isFinite)).toBe(true);
    }
  });

  it(
    "raises no warning on the README's healthy reference config, shortened",
    { timeout: 120_000 },
    async () => {
      const readme = readFileSync(new URL("../../README.md", import.meta.url));
      const run = await recordJob(
        "pretrain",
        {
          data: { shards: [shard([...readme])] },
          model: {
            preset: "gpt2-style",
            vocabSize: 256,
            contextLength: 128,
            width: 384,
            layers: 2,
            heads: 6,
          },
          steps: 30,
          batchSize: 8,
          schedule: { lr: 1e-3, warmupSteps: 20 },
          evalEvery: 15,
          evalBatches: 2,
          checkpointEvery: 100,
          runtime: { threads: 2 },
        },
        tempDir("engine-healthy"),
      );
      expect(run.result.status).toBe("completed");
      expect(run.logs.filter((l) => l.level !== "info")).toEqual([]);
      expect(run.losses[23]).toBeLessThan(run.losses[0]);
    },
  );

  it("rejects bad data and configs with errors that name them", async () => {
    const dir = tempDir("engine-bad");
    writeFileSync(join(dir, "bad.bin"), Buffer.alloc(64));
    await expect(
      runJob("pretrain", tiny({ data: { shards: [join(dir, "bad.bin")] } }), { workDir: dir }),
    ).rejects.toThrow(/wrong magic/);
    await expect(
      runJob("pretrain", tiny({ data: { shards: [shard([...corpus(500), 40])] } }), {
        workDir: tempDir("b"),
      }),
    ).rejects.toThrow(/token id 40 at position 500 .*vocabulary/);
    await expect(
      runJob("pretrain", tiny({ model: { width: 30, heads: 4 } }), { workDir: tempDir("b") }),
    ).rejects.toThrow("pretrain config: invalid config: model.heads: 4 heads do not divide the width 30");
    await expect(runJob("pretrain", { steps: 3 }, { workDir: tempDir("b") })).rejects.toThrow(/data: /);
    // a model Hugging Face cannot represent is refused before any work, not at the first checkpoint save
    const workDir = tempDir("b");
    await expect(
      runJob("pretrain", tiny({ model: { ...tiny().model, norm: "rmsnorm" } }), { workDir }),
    ).rejects.toThrow(
      'pretrain config: model.norm "rmsnorm" is not representable as a Hugging Face gpt2 model (GPT-2 uses layernorm)',
    );
    expect(existsSync(join(workDir, "metrics.jsonl"))).toBe(false);
  });

  it("pretrains a bidirectional encoder with the masked-LM objective", async () => {
    const config = tiny({
      objective: "masked_lm",
      model: { ...tiny().model, preset: "bert-style" },
      steps: 4,
    });
    const run = await recordJob("pretrain", config, tempDir("engine-mlm"));
    expect(run.losses.every(Number.isFinite)).toBe(true);
    expect(run.result.lastEval?.["eval/loss"]).toBeGreaterThan(0);
    await expect(
      runJob("pretrain", tiny({ objective: "masked_lm" }), { workDir: tempDir("b") }),
    ).rejects.toThrow('objective masked_lm needs model.attention "bidirectional"');
  });
});
