import { resolve } from "node:path";
import type { Command } from "commander";
import { loadCheckpoint, latestCheckpoint } from "../../train/checkpoint.js";
import type { PretrainCheckpointConfig } from "../../train/loop.js";
import { PretrainConfigSchema } from "../../config/pretrain.js";
import { runWithProgress } from "./pretrain.js";

export function registerResumeCommand(program: Command): void {
  program
    .command("resume")
    .description("continue a pretraining run from its latest checkpoint, exactly where it stopped")
    .argument("<dir>", "run folder given to pretrain --out")
    .option("--max-steps <n>", "stop after this many updates in total", (v) => Number.parseInt(v, 10))
    .action(async (dir: string, opts: { maxSteps?: number }) => {
      const latest = latestCheckpoint(dir);
      if (!latest) throw new Error(`resume: no checkpoint-<step> folder in ${dir}`);
      const saved = loadCheckpoint(latest.dir).config as PretrainCheckpointConfig;
      const steps = PretrainConfigSchema.parse(saved.run).steps;
      process.stderr.write(`resuming ${dir} at step ${latest.step} of ${steps}\n`);
      await runWithProgress({ kind: "resume", outDir: resolve(dir), haltAfterStep: opts.maxSteps }, steps);
    });
}
