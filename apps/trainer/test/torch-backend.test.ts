/**
 * The torch backend's launcher against the real Python package under torchrun: bad input refused before anything
 * starts, a missing Python named, and a 2-process run cancelled through its AbortSignal (checkpoint, `cancelled`),
 * resumed to the end, with a final checkpoint the engine loads.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelFolder, writeShard } from "@rlhf/engine";
import { beforeAll, describe, expect, it } from "vitest";
import {
  TorchBackendError,
  ensurePythonEnv,
  runTorchJob,
  torchBackendUnavailable,
} from "../src/backends/torch.js";

const RUN_TIMEOUT = 600_000;
const model = { preset: "gpt2-style", vocabSize: 256, contextLength: 32, width: 32, layers: 2, heads: 4 };

function tinyPretrainConfig(dir: string) {
  const shard = join(dir, "data.bin");
  const text = "the model learns a short text of bytes and then some more. ".repeat(200);
  writeShard(shard, Array.from(new TextEncoder().encode(text)), { dtype: "uint16" });
  return {
    data: { shards: [shard] },
    model,
    steps: 8,
    batchSize: 4,
    schedule: { lr: 1e-3, warmupSteps: 2 },
    evalEvery: 8,
    checkpointEvery: 100,
    seed: 5,
  };
}

describe("runTorchJob input checks", () => {
  const workDir = () => join(mkdtempSync(join(tmpdir(), "torch-bad-")), "work");

  it("refuses an unknown strategy, too many processes and PPO before starting anything", async () => {
    const dir = workDir();
    await expect(
      runTorchJob("pretrain", {}, { workDir: dir, torch: { strategy: "tensor" as "ddp" } }),
    ).rejects.toThrow(
      /torch backend: invalid options: strategy: Invalid option: expected one of "ddp"\|"fsdp"/,
    );
    await expect(
      runTorchJob("pretrain", {}, { workDir: dir, torch: { processes: 3 }, maxProcesses: 2 }),
    ).rejects.toThrow("torch backend: processes 3 is more than the 2 allowed on this machine");
    await expect(runTorchJob("ppo" as "dpo", {}, { workDir: dir })).rejects.toThrow(
      'torch backend: run kind "ppo" is not one it trains (pretrain, sft, reward, dpo, grpo); PPO runs on the engine',
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("names a missing Python instead of failing later", async () => {
    const dir = mkdtempSync(join(tmpdir(), "torch-nopython-"));
    const bin = join(dir, "bin");
    execFileSync("mkdir", [bin]);
    // Just what scripts/python-env.sh needs before it looks for python3.
    for (const tool of ["bash", "dirname", "sha256sum", "cut"])
      symlinkSync(execFileSync("which", [tool], { encoding: "utf8" }).trim(), join(bin, tool));
    const env = { PATH: bin, RLHF_PYTHON_ENV: join(dir, "venv") };
    await expect(ensurePythonEnv(env)).rejects.toThrow(TorchBackendError);
    await expect(runTorchJob("pretrain", {}, { workDir: join(dir, "work"), env })).rejects.toThrow(
      /no Python environment \(python-env: python3 is not installed.*\); install Python 3.10\+ and run `bash scripts\/python-env.sh`/,
    );
    expect(existsSync(join(dir, "work"))).toBe(false);
    // What the trainer says once at start-up, without building anything.
    expect(torchBackendUnavailable(env)).toBe("python3 is not installed");
    expect(torchBackendUnavailable()).toBeNull();
  });
});

describe("runTorchJob under torchrun", () => {
  beforeAll(async () => {
    await ensurePythonEnv();
  }, RUN_TIMEOUT);

  it(
    "cancels a 2-process run with a checkpoint, resumes it to the end, and the engine loads the result",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "torch-run-"));
      const config = tinyPretrainConfig(dir);
      const workDir = join(dir, "work");
      const torch = { processes: 2, strategy: "ddp" as const };
      const env = { OMP_NUM_THREADS: "1" };
      const controller = new AbortController();
      const firstSteps: number[] = [];
      const cancelled = await runTorchJob("pretrain", config, {
        workDir,
        torch,
        env,
        signal: controller.signal,
        onMetrics: (step, m) => {
          expect(Number.isFinite(m["train/loss"])).toBe(true);
          firstSteps.push(step);
        },
        onProgress: (step) => {
          if (step >= 2) controller.abort();
        },
      });
      expect(cancelled.status).toBe("cancelled");
      expect(cancelled.step).toBeGreaterThanOrEqual(2);
      expect(cancelled.step).toBeLessThan(8);
      expect(cancelled.finalCheckpoint).toBe(join(workDir, `checkpoint-${cancelled.step}`));
      expect(existsSync(join(cancelled.finalCheckpoint, "torch_state.pt"))).toBe(true);

      const laterSteps: number[] = [];
      const progress: [number, number][] = [];
      const logs: string[] = [];
      const done = await runTorchJob("pretrain", config, {
        workDir,
        torch,
        env,
        onMetrics: (step) => laterSteps.push(step),
        onProgress: (step, total) => progress.push([step, total]),
        onLog: (message) => logs.push(message),
      });
      expect(done).toMatchObject({ status: "completed", step: 8, totalSteps: 8 });
      expect(laterSteps[0]).toBe(cancelled.step + 1);
      expect(progress.at(-1)).toEqual([8, 8]);
      expect(logs.some((l) => l.includes(`resumed from ${cancelled.finalCheckpoint}`))).toBe(true);
      expect(done.lastEval?.["eval/loss"]).toBeGreaterThan(0);
      const folder = loadModelFolder(done.finalCheckpoint);
      expect(folder.model).toMatchObject({ width: 32, layers: 2, vocabSize: 256 });
      expect(Object.keys(folder.weights)).toContain("transformer.h.1.attn.c_attn.weight");
    },
    RUN_TIMEOUT,
  );
});
