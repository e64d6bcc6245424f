import type { Command } from "commander";
import { readShardHeader } from "../../io/shards.js";

export function registerShardCommands(program: Command): void {
  program
    .command("shard-info")
    .description("print the header of token shard files")
    .argument("<files...>", "shard files")
    .action((files: string[]) => {
      for (const f of files) console.log(f, JSON.stringify(readShardHeader(f)));
    });
}
