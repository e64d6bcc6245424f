import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { TokenizerTrainConfigSchema } from "../../config/tokenizer.js";
import { listSourceFiles, readSource } from "../../data/sources.js";
import { openTokenizer } from "../../tokenizer/open.js";
import { trainBpe } from "../../tokenizer/train-bpe.js";
import { trainUnigram } from "../../tokenizer/train-unigram.js";
import { trainWordPiece } from "../../tokenizer/wordpiece.js";
import { DataSourceConfigSchema } from "../../config/data.js";
import { createProgress } from "../progress.js";

/** Input type by extension (after any .gz/.zst): .jsonl, .parquet, else plain text. */
const inputSource = (path: string) => {
  const name = path.replace(/\.(gz|zst|zstd)$/, "");
  return DataSourceConfigSchema.parse({
    name: "input",
    type: name.endsWith(".jsonl") ? "jsonl" : name.endsWith(".parquet") ? "parquet" : "text",
    path,
    split: "paragraph",
  });
};

/** Paragraphs of the input files (text, or JSONL with a "text" field), streamed; reports bytes read. */
async function* inputTexts(inputs: string[], onBytes: (bytes: number) => void): AsyncGenerator<string> {
  for (const path of inputs) {
    const events = {
      onBadLine: () => {},
      onBytes,
      onBinaryFile: (file: string) => console.error(`skipped ${file}: binary content, not text`),
    };
    for await (const doc of readSource(inputSource(path), events)) yield doc.text;
  }
}

/** Creates the output's folder first: training can take hours, and must not fail at the very end on a missing folder. */
function writeOutput(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function registerTokenizerCommands(program: Command): void {
  const tokenizer = program
    .command("tokenizer")
    .description("train and use tokenizers (Hugging Face tokenizer.json)");
  tokenizer
    .command("train")
    .description("train a byte-level BPE, WordPiece or Unigram tokenizer on text/JSONL files or folders")
    .argument(
      "<inputs...>",
      'files or folders (.jsonl and .parquet: the "text" field; .gz and .zst are decompressed)',
    )
    .requiredOption("-o, --out <file>", "where to write tokenizer.json")
    .option("--model <kind>", "bpe, wordpiece or unigram")
    .option("--kind <kind>", "same as --model")
    .option("--vocab-size <n>", "ids in total, special tokens included", Number)
    .option("--min-frequency <n>", "minimum pair count for a merge", Number)
    .option("--special <tokens>", "comma-separated special tokens (replaces the defaults)")
    .option("--pattern <name|regex>", "BPE pre-tokenization: gpt2, cl100k or a regex")
    .option("--lowercase", "WordPiece: lowercase the text")
    .option("--unk <token>", "Unigram: the unknown token")
    .option("--byte-fallback", "Unigram: spell unknown characters as <0xXX> byte pieces")
    .action(async (inputs: string[], o: Record<string, string | number | boolean | undefined>) => {
      const cfg = TokenizerTrainConfigSchema.parse({
        kind: o.model ?? o.kind,
        vocabSize: o.vocabSize,
        minFrequency: o.minFrequency,
        specialTokens: typeof o.special === "string" ? o.special.split(",").filter(Boolean) : undefined,
        pattern: o.pattern,
        lowercase: o.lowercase,
        unkToken: o.unk,
        byteFallback: o.byteFallback,
      });
      const totalBytes = inputs
        .flatMap((p) => listSourceFiles(inputSource(p)))
        .reduce((sum, f) => sum + statSync(f).size, 0);
      let bytes = 0;
      let texts = 0;
      let bar = createProgress("read (KB)", Math.ceil(totalBytes / 1024));
      const started = performance.now();
      const { kind, ...fields } = cfg;
      // Merges grow the vocabulary to its target; Unigram's pruning shrinks a large seed vocabulary down to it.
      let seed: number | undefined;
      const onProgress = (stage: "count" | "merge" | "prune", vocabulary: number) => {
        if (stage === "count") return;
        if (seed === undefined) {
          seed = vocabulary;
          bar.stop();
          bar =
            stage === "merge"
              ? createProgress("vocabulary", cfg.vocabSize)
              : createProgress("pieces pruned", seed - cfg.vocabSize);
        }
        bar.update(stage === "merge" ? vocabulary : seed - vocabulary);
      };
      const stream = inputTexts(inputs, (size) => bar.update(Math.ceil((bytes += size) / 1024)));
      const counted = (async function* () {
        for await (const t of stream) {
          texts++;
          yield t;
        }
      })();
      const train = { bpe: trainBpe, wordpiece: trainWordPiece, unigram: trainUnigram }[kind];
      const tok = await train(counted, { ...fields, onProgress });
      bar.stop();
      writeOutput(String(o.out), tok.toJSON());
      console.log(
        `${kind} tokenizer: ${tok.vocabSize} ids from ${texts} texts in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${o.out}`,
      );
    });
  tokenizer
    .command("encode")
    .description("print the ids of a text")
    .requiredOption("-t, --tokenizer <spec>", "tokenizer.json path, gpt2, cl100k_base or byte-level")
    .argument("<text>", "text to encode")
    .action(async (text: string, o: { tokenizer: string }) => {
      const tok = await openTokenizer(o.tokenizer);
      const ids = tok.encode(text);
      console.log(JSON.stringify({ ids, tokens: ids.map((id) => tok.idToToken(id)) }));
    });
  tokenizer
    .command("export")
    .description("write a tokenizer (e.g. gpt2 or cl100k_base) as Hugging Face tokenizer.json")
    .argument("<spec>", "gpt2, cl100k_base, byte-level or a tokenizer.json")
    .requiredOption("-o, --out <file>", "output tokenizer.json")
    .action(async (spec: string, o: { out: string }) => {
      writeOutput(o.out, (await openTokenizer(spec)).toJSON());
      console.log(`wrote ${o.out}`);
    });
}
