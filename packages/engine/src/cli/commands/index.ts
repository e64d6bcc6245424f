import type { Command } from "commander";
import { registerShardCommands } from "./shards.js";

/** Every CLI command, in the order `engine --help` lists them. */
export function registerCommands(program: Command): void {
  registerShardCommands(program);
}
