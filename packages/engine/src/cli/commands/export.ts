import type { Command } from "commander";
import { resolveCheckpoint } from "../../generate/checkpoint.js";
import { exportTransformersJs } from "../../generate/transformers-js.js";

const FORMATS = ["transformers.js"] as const;

export function registerExportCommand(program: Command): void {
  program
    .command("export")
    .description("write a checkpoint as a folder another runtime loads")
    .argument("<checkpoint>", "checkpoint folder, or a run folder (its best checkpoint)")
    .requiredOption("--format <format>", `target: ${FORMATS.join(", ")}`)
    .requiredOption("--out <dir>", "output folder")
    .action((checkpoint: string, opts: { format: string; out: string }) => {
      if (!(FORMATS as readonly string[]).includes(opts.format))
        throw new Error(`export: unknown --format ${opts.format}; expected one of ${FORMATS.join(", ")}`);
      const dir = resolveCheckpoint(checkpoint);
      for (const file of exportTransformersJs(dir, opts.out)) console.log(file);
      console.error(`[exported ${dir} for transformers.js into ${opts.out}]`);
    });
}
