import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { PretrainConfigSchema } from "../../config/pretrain.js";
import { parseConfig } from "../../config/posttrain.js";
import { dtypeForVocab, writeShard } from "../../io/shards.js";
import { loadTokenizer } from "../../tokenizer/index.js";
import type { PretrainResult } from "../../train/loop.js";
import { type PretrainJob, pretrainInWorker } from "../../train/worker.js";
import { createProgress } from "../progress.js";

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

/** Runs a job in a worker thread with a progress bar; prints a summary at the end. */
export async function runWithProgress(job: PretrainJob, totalSteps: number): Promise<PretrainResult> {
  const progress = createProgress(job.kind, totalSteps);
  const last: Record<string, number> = {};
  const started = Date.now();
  const { result } = pretrainInWorker(job, {
    onMetrics: (step, m) => {
      Object.assign(last, m);
      progress.update(step, {
        loss: m["train/loss"],
        ...(last["eval/loss"] !== undefined ? { eval: last["eval/loss"] } : {}),
        "tok/s": Math.round(m["train/tokens_per_s"]),
      });
    },
    onEvent: (message) => process.stderr.write(`\n${message}\n`),
  });
  try {
    const r = await result;
    progress.stop();
    const lines = [
      `steps           ${r.step}${r.stoppedEarly ? " (early stopping)" : ""}`,
      `last train loss ${r.lastLoss.toFixed(4)}`,
      `best eval loss  ${r.bestEvalLoss?.toFixed(4) ?? "-"} at step ${r.bestStep ?? "-"}`,
      `unigram baseline ${r.unigramBaselineLoss?.toFixed(4) ?? "-"} (validation loss of token frequencies alone)`,
      `skipped updates ${r.skippedSteps}`,
      `wall time       ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `checkpoints     ${r.outDir}`,
    ];
    console.log(lines.join("\n"));
    return r;
  } catch (err) {
    progress.stop();
    throw err;
  }
}

export function registerPretrainCommand(program: Command): void {
  program
    .command("pretrain")
    .description("pretrain a transformer from token shards (or text files with --text) in a worker thread")
    .requiredOption("--data <paths...>", "token shard files or folders of them (text files with --text)")
    .option("--config <file.json>", "pretraining config (PretrainConfig); defaults for every missing field")
    .requiredOption("--out <dir>", "run folder for checkpoints")
    .option("--text", "the data files are text: tokenized with --tokenizer, else as bytes (ids 0..255)")
    .option("--tokenizer <tokenizer.json>", "tokenizer saved with the checkpoints (and used for --text)")
    .option("--max-steps <n>", "stop after this many updates this session (resume continues)", (v) =>
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
        const raw = opts.config ? JSON.parse(readFileSync(opts.config, "utf8")) : {};
        const cfg = parseConfig(PretrainConfigSchema, raw, opts.config ?? "default config");
        const files = expandPaths(opts.data);
        mkdirSync(opts.out, { recursive: true });
        const shards = opts.text
          ? [textToShard(files, opts.out, cfg.model.vocabSize, opts.tokenizer)]
          : files;
        const tokenizerJson = opts.tokenizer ? readFileSync(opts.tokenizer, "utf8") : undefined;
        await runWithProgress(
          {
            kind: "pretrain",
            config: raw,
            data: { shards },
            outDir: resolve(opts.out),
            tokenizerJson,
            haltAfterStep: opts.maxSteps,
          },
          cfg.steps,
        );
      },
    );
}
