/**
 * `npx engine <command>`: one file per command under ./commands, each registering itself on the program.
 * Add a command by writing commands/<name>.ts and listing it in COMMANDS below.
 */
import { Command } from "commander";
import { registerCommands } from "./commands/index.js";

const program = new Command("engine")
  .description("Train tokenizers and language models on files: no database, no queue.")
  .showHelpAfterError();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures (bad config, bad data) print one clear line, not a stack trace.
  console.error(`engine: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.ENGINE_DEBUG) console.error(err);
  process.exit(1);
}
