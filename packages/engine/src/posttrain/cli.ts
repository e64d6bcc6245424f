/**
 * What the four post-training commands share: `--config <file.json>` read and handed to the trainer (which
 * validates it, naming bad fields), a progress bar, and a closing summary. Running a command again with the same
 * config resumes from the latest checkpoint in its outDir.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Metrics } from "./run.js";

export interface TrainerHooks {
  onMetrics: (step: number, metrics: Metrics) => void;
  progress: boolean;
}

export function registerPostTrainCommand(
  program: Command,
  name: string,
  description: string,
  train: (config: unknown, hooks: TrainerHooks) => Promise<{ finalDir: string }>,
): void {
  program
    .command(name)
    .description(description)
    .requiredOption("--config <file.json>", `${name} config (see README: Post-training); rerun to resume`)
    .action(async (opts: { config: string }) => {
      let config: unknown;
      try {
        config = JSON.parse(readFileSync(opts.config, "utf8"));
      } catch (err) {
        throw new Error(`--config ${opts.config}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      const last: Metrics = {};
      const started = Date.now();
      const result = await train(config, { onMetrics: (_step, m) => Object.assign(last, m), progress: true });
      const shown = Object.entries(last).filter(([k]) => !k.startsWith("train/lr"));
      console.log(
        shown.map(([k, v]) => `${k.padEnd(28)} ${Number.isInteger(v) ? v : v.toPrecision(5)}`).join("\n"),
      );
      console.log(
        `${"wall time".padEnd(28)} ${((Date.now() - started) / 1000).toFixed(1)} s\n${"final checkpoint".padEnd(28)} ${result.finalDir}`,
      );
    });
}
