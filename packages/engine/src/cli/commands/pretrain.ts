import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { ModelConfigSchema } from "../../config/model.js";
import { dtypeForVocab, writeShard } from "../../io/shards.js";
import { loadTokenizer } from "../../tokenizer/index.js";
import { readConfigFile, runJobFromCli } from "../job.js";

/**
 * Files named on the command line, folders expanded to their files (sorted, so the order is reproducible; symbolic
 * links inside folders skipped, as they usually alias another file there, like GPL -> GPL-3).
 */
function expandPaths(paths: string[]): string[] {
  return paths.flatMap((p) => {
    if (!existsSync(p)) throw new Error(`--data: ${p} does not exist`);
    if (!statSync(p).isDirectory()) return [resolve(p)];
    return readdirSync(p)
      .sort()
      .map((f) => resolve(p, f))
      .filter((f) => lstatSync(f).isFile() && statSync(f).size > 0);
  });
}

/**
 * Text files -> one token shard in the run folder (so `resume` finds the same tokens): bytes as ids 0..255, or ids
 * of the given tokenizer.json.
 */
function textToShard(files: string[], outDir: string, vocabSize: number, tokenizerPath?: string): string {
  const tokenizer = tokenizerPath ? loadTokenizer(tokenizerPath) : null;
  if (tokenizer && tokenizer.vocabSize > vocabSize)
    throw new Error(`the tokenizer has ${tokenizer.vocabSize} ids but model.vocabSize is ${vocabSize}`);
  if (!tokenizer && vocabSize < 256)
    throw new Error(`byte-level tokens need model.vocabSize >= 256, got ${vocabSize}`);
  const tokens: number[] = [];
  for (const f of files) {
    const bytes = readFileSync(f);
    if (tokenizer) tokens.push(...tokenizer.encodeOrdinary(bytes.toString("utf8")));
    else for (const b of bytes) tokens.push(b);
  }
  mkdirSync(join(outDir, "data"), { recursive: true });
  const shard = join(outDir, "data", "text.bin");
  writeShard(shard, tokens, { dtype: dtypeForVocab(vocabSize) });
  return shard;
}

export function registerPretrainCommand(program: Command): void {
  program
    .command("pretrain")
    .description("pretrain a transformer from token shards (or text files with --text)")
    .requiredOption("--data <paths...>", "token shard files or folders of them (text files with --text)")
    .option("--config <file.json>", "pretraining config (PretrainConfig); defaults for every missing field")
    .requiredOption("--out <dir>", "run folder (workDir): checkpoints, metrics.jsonl")
    .option("--text", "the data files are text: tokenized with --tokenizer, else as bytes (ids 0..255)")
    .option("--tokenizer <tokenizer.json>", "tokenizer saved with the checkpoints (and used for --text)")
    .option("--max-steps <n>", "stop at this step, with a checkpoint (rerun or resume continues)", (v) =>
      Number.parseInt(v, 10),
    )
    .action(
      async (opts: {
        data: string[];
        config?: string;
        out: string;
        text?: boolean;
        tokenizer?: string;
        maxSteps?: number;
      }) => {
        const raw = (opts.config ? readConfigFile(opts.config) : {}) as Record<string, unknown>;
        const model = ModelConfigSchema.parse(raw.model ?? {});
        const files = expandPaths(opts.data);
        mkdirSync(opts.out, { recursive: true });
        const shards = opts.text ? [textToShard(files, opts.out, model.vocabSize, opts.tokenizer)] : files;
        const config = {
          ...raw,
          data: { shards },
          ...(opts.tokenizer ? { tokenizer: resolve(opts.tokenizer) } : {}),
        };
        await runJobFromCli("pretrain", config, opts.out, opts.maxSteps);
      },
    );
}
