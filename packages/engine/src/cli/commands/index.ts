import type { Command } from "commander";
import { registerShardCommands } from "./shards.js";
import { registerTokenizerCommands } from "./tokenizer.js";
import { registerDataCommands } from "./data.js";
import { registerScalingCommands } from "./scaling.js";
import { registerPretrainCommand } from "./pretrain.js";
import { registerResumeCommand } from "./resume.js";
import { registerGenerateCommand } from "./generate.js";
import { registerExportCommand } from "./export.js";
import { registerPostTrainCommands } from "./posttrain.js";

/** Every CLI command, in the order `engine --help` lists them. */
export function registerCommands(program: Command): void {
  registerShardCommands(program);
  registerTokenizerCommands(program);
  registerDataCommands(program);
  registerScalingCommands(program);
  registerPretrainCommand(program);
  registerResumeCommand(program);
  registerGenerateCommand(program);
  registerExportCommand(program);
  registerPostTrainCommands(program);
}
