import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PretrainConfigInput } from "../../src/config/pretrain.js";
import { writeShard } from "../../src/io/shards.js";
import { latestCheckpoint, loadCheckpoint } from "../../src/train/checkpoint.js";
import { pretrain, resumePretraining, type Metrics } from "../../src/train/loop.js";
import { NonFiniteLossError } from "../../src/train/monitors.js";

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

const tiny: PretrainConfigInput = {
  model: { vocabSize: 32, contextLength: 16, width: 16, layers: 1, heads: 2, dropout: 0.1 },
  steps: 6,
  batchSize: 4,
  microBatches: 2,
  evalEvery: 2,
  evalBatches: 2,
  checkpointEvery: 3,
  schedule: { lr: 3e-3, warmupSteps: 2 },
  lossSpike: { window: 4, zThreshold: 6, skipUpdate: true },
  runtime: { threads: 2, executionProvider: "cpu" },
};

const tmp = () => mkdtempSync(join(tmpdir(), "engine-loop-"));

function recorder() {
  const losses: number[] = [];
  const metrics: Metrics[] = [];
  return {
    losses,
    metrics,
    onMetrics: (_: number, m: Metrics) => (losses.push(m["train/loss"]), metrics.push(m)),
  };
}

describe("pretraining loop", () => {
  it(
    "resumes bit for bit: stopped at step 3 and resumed gives the losses of an uninterrupted run",
    { timeout: 60_000 },
    async () => {
      const data = { shards: [join(tmp(), "train.bin")] };
      writeShard(data.shards[0], corpus(), { dtype: "uint16" });
      const whole = recorder();
      const full = await pretrain({ config: tiny, data, outDir: tmp(), onMetrics: whole.onMetrics });
      expect(full.step).toBe(6);
      expect(whole.metrics[1]["eval/loss"]).toBeGreaterThan(0);
      expect(Object.keys(whole.metrics[0])).toEqual(
        expect.arrayContaining([
          "train/loss",
          "train/grad_norm",
          "train/lr",
          "train/tokens_per_s",
          "grad_norm/block_0",
          "update_ratio/head",
        ]),
      );

      const outDir = tmp();
      const first = recorder();
      await pretrain({ config: tiny, data, outDir, onMetrics: first.onMetrics, haltAfterStep: 3 });
      expect(latestCheckpoint(outDir)?.step).toBe(3);
      const second = recorder();
      const resumed = await resumePretraining(outDir, { onMetrics: second.onMetrics });
      expect(resumed.step).toBe(6);
      expect([...first.losses, ...second.losses]).toEqual(whole.losses);
      expect(resumed.bestEvalLoss).toBe(full.bestEvalLoss);

      const ckpt = loadCheckpoint(latestCheckpoint(outDir)!.dir);
      expect(Object.keys(ckpt.weights)).toContain("transformer.h.0.attn.c_attn.weight");
      expect(Object.keys(ckpt.optimizer)).toContain("exp_avg_sq.transformer.wte.weight");
      expect(ckpt.trainerState.step).toBe(6);
      expect(ckpt.onnxModelPath && existsSync(ckpt.onnxModelPath)).toBe(true);
    },
  );

  it(
    "runs K updates per session.run with the losses of one update per run",
    { timeout: 60_000 },
    async () => {
      const config = { ...tiny, microBatches: 1, steps: 7, evalEvery: 4, checkpointEvery: 100 };
      const one = recorder();
      await pretrain({ config, data: { tokens: corpus() }, outDir: tmp(), onMetrics: one.onMetrics });
      const looped = recorder();
      await pretrain({
        config: { ...config, stepsPerRun: 3 },
        data: { tokens: corpus() },
        outDir: tmp(),
        onMetrics: looped.onMetrics,
      });
      expect(looped.losses).toEqual(one.losses);
      expect(looped.metrics[3]["eval/loss"]).toBe(one.metrics[3]["eval/loss"]);
    },
  );

  it("stops on a non-finite loss with a clear error and keeps the last good checkpoint", async () => {
    const outDir = tmp();
    const run = pretrain({
      config: {
        ...tiny,
        model: { ...tiny.model, dropout: 0 },
        microBatches: 1,
        checkpointEvery: 1,
        schedule: { lr: 1e30, warmupSteps: 0, decay: "constant" },
      },
      data: { tokens: corpus() },
      outDir,
    });
    await expect(run).rejects.toThrow(NonFiniteLossError);
    await expect(run).rejects.toThrow(/last good checkpoint is kept/);
    const last = latestCheckpoint(outDir);
    expect(last).not.toBeNull();
    expect(loadCheckpoint(last!.dir).trainerState.step).toBe(last!.step);
  });

  it("pretrains a bidirectional encoder with the masked-LM objective", async () => {
    const run = recorder();
    const result = await pretrain({
      config: {
        ...tiny,
        objective: "masked_lm",
        model: { ...tiny.model, attention: "bidirectional" },
        steps: 4,
      },
      data: { tokens: corpus() },
      outDir: tmp(),
      onMetrics: run.onMetrics,
    });
    expect(result.step).toBe(4);
    expect(run.losses.every(Number.isFinite)).toBe(true);
    expect(result.bestEvalLoss).toBeGreaterThan(0);
    await expect(
      pretrain({ config: { ...tiny, objective: "masked_lm" }, data: { tokens: corpus() }, outDir: tmp() }),
    ).rejects.toThrow('objective masked_lm needs model.attention "bidirectional"');
  });

  it("rejects bad data before ONNX Runtime sees it", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.bin"), Buffer.alloc(64));
    await expect(
      pretrain({ config: tiny, data: { shards: [join(dir, "bad.bin")] }, outDir: tmp() }),
    ).rejects.toThrow(/wrong magic/);
    writeShard(join(dir, "big.bin"), [...corpus(500), 40], { dtype: "uint16" });
    await expect(
      pretrain({ config: tiny, data: { shards: [join(dir, "big.bin")] }, outDir: tmp() }),
    ).rejects.toThrow(/token id 40 at position 500 .*vocabulary/);
    await expect(
      pretrain({
        config: { ...tiny, model: { width: 30, heads: 4 } },
        data: { tokens: corpus() },
        outDir: tmp(),
      }),
    ).rejects.toThrow("pretrain config: invalid config: model.heads: 4 heads do not divide the width 30");
  });
});

describe("pretraining in a worker thread", () => {
  it("streams metrics to the caller and returns the result", async () => {
    const { pretrainInWorker } = await import("../../src/train/worker.js");
    const steps: number[] = [];
    const { result } = pretrainInWorker(
      { kind: "pretrain", config: { ...tiny, steps: 3 }, data: { tokens: corpus() }, outDir: tmp() },
      { onMetrics: (step) => steps.push(step) },
    );
    expect((await result).step).toBe(3);
    expect(steps).toEqual([1, 2, 3]);
    const failing = pretrainInWorker({ kind: "resume", outDir: tmp() });
    await expect(failing.result).rejects.toThrow(/resume: no checkpoint-<step> folder/);
  }, 60_000);
});
