import type { Command } from "commander";
import { readConfigFile, runJobFromCli } from "../job.js";

const COMMANDS = [
  ["sft", 'supervised fine-tuning on {"messages":[...]} JSONL, loss on assistant tokens'],
  ["reward", "train a reward model on preference pairs or k-wise rankings (Bradley-Terry)"],
  ["dpo", 'direct preference optimisation on {"prompt","chosen","rejected"} JSONL'],
  ["ppo", "RLHF with PPO against a reward model, KL-penalised toward the starting policy"],
] as const;

/** `engine sft|reward|dpo|ppo --config <file.json> --out <dir>`: runJob with the run folder as workDir. */
export function registerPostTrainCommands(program: Command): void {
  for (const [kind, description] of COMMANDS)
    program
      .command(kind)
      .description(description)
      .requiredOption("--config <file.json>", `${kind} config (see README: Post-training)`)
      .requiredOption("--out <dir>", "run folder (workDir): checkpoints, metrics.jsonl; rerun to resume")
      .option("--max-steps <n>", "stop at this step, with a checkpoint (rerun continues)", (v) =>
        Number.parseInt(v, 10),
      )
      .action(async (opts: { config: string; out: string; maxSteps?: number }) => {
        await runJobFromCli(kind, readConfigFile(opts.config), opts.out, opts.maxSteps);
      });
}
