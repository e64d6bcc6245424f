import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { writeShard } from "../../src/io/shards.js";
import { tempDir } from "../posttrain/helpers.js";

const ENGINE = fileURLToPath(new URL("../../bin/engine.mjs", import.meta.url));

function pretrainCli(lr: number) {
  const dir = tempDir("engine-cli");
  const shard = join(dir, "data.bin");
  writeShard(
    shard,
    Array.from({ length: 3000 }, (_, i) => (i * 7) % 32),
    { dtype: "uint16" },
  );
  const config = join(dir, "run.json");
  writeFileSync(
    config,
    JSON.stringify({
      model: { vocabSize: 32, contextLength: 16, width: 16, layers: 1, heads: 2 },
      steps: 4,
      batchSize: 4,
      evalEvery: 2,
      schedule: { lr, warmupSteps: 0, decay: "constant" },
      runtime: { threads: 1 },
    }),
  );
  const out = join(dir, "run");
  const run = spawnSync(
    process.execPath,
    [ENGINE, "pretrain", "--data", shard, "--config", config, "--out", out],
    {
      encoding: "utf8",
    },
  );
  return { ...run, out };
}

describe("engine pretrain (CLI)", () => {
  it("exits 0 with a summary and plain progress lines when healthy", { timeout: 60_000 }, () => {
    const run = pretrainCli(1e-3);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/status\s+completed at step 4 of 4/);
    expect(run.stderr).toMatch(/^pretrain 4\/4 /m);
    expect(run.stderr).not.toContain("\r");
    expect(existsSync(join(run.out, "metrics.jsonl"))).toBe(true);
  });

  it("exits non-zero naming the step when the run diverges at lr 10", { timeout: 60_000 }, () => {
    const run = pretrainCli(10);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/engine: training diverged at step 1: the update would move/);
    expect(existsSync(join(run.out, "best"))).toBe(false);
  });
});
