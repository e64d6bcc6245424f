import type { Command } from "commander";
import type { DpoConfigInput } from "../../config/dpo.js";
import { registerPostTrainCommand } from "../../posttrain/cli.js";
import { trainDpo } from "../../posttrain/dpo.js";

export function registerDpoCommand(program: Command): void {
  registerPostTrainCommand(
    program,
    "dpo",
    'direct preference optimisation on {"prompt","chosen","rejected"} JSONL',
    (config, hooks) => trainDpo(config as DpoConfigInput, hooks),
  );
}
