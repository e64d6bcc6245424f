import type { Command } from "commander";
import type { SftConfigInput } from "../../config/sft.js";
import { registerPostTrainCommand } from "../../posttrain/cli.js";
import { trainSft } from "../../posttrain/sft.js";

export function registerSftCommand(program: Command): void {
  registerPostTrainCommand(
    program,
    "sft",
    'supervised fine-tuning on {"messages":[...]} JSONL, loss on assistant tokens',
    (config, hooks) => trainSft(config as SftConfigInput, hooks),
  );
}
