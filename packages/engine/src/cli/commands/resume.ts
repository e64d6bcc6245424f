import type { Command } from "commander";
import { latestCheckpoint, loadCheckpoint } from "../../train/checkpoint.js";
import type { PretrainCheckpointConfig } from "../../train/pretrain.js";
import { runJobFromCli } from "../job.js";

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
      if (saved?.format !== "rlhf-engine/pretrain")
        throw new Error(`resume: ${latest.dir} is not a pretraining checkpoint`);
      await runJobFromCli("pretrain", saved.run, dir, opts.maxSteps);
    });
}
