// Pretraining from a snapshot: a byte-level BPE tokenizer trained on the snapshot's training texts (with the chat
// special tokens, so the base can be fine-tuned on conversations), the texts tokenized into one token shard
// (documents joined by <|endoftext|>), then the engine's pretrain job. The snapshot's texts were accepted and
// moderated in the annotation platform, so the web-crawl cleaning of `engine data prepare` (which drops short,
// repetitive documents such as chat turns) is not applied. Tokenizer and shard are reused on a retry, so a
// resumed run trains on exactly the same tokens.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dtypeForVocab, loadTokenizer, SPECIAL_TOKENS, trainBpe, writeShard } from "@rlhf/engine";
import { writeRunData } from "@rlhf/db/runs";
import type { RunHandler, RunReporter } from "./types";

function readTexts(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { text: string }).text);
}

async function trainTokenizer(
  texts: string[],
  settings: { vocabSize: number; minFrequency: number },
  path: string,
  report: RunReporter,
): Promise<void> {
  if (existsSync(path)) return;
  const tokenizer = await trainBpe(texts, settings);
  writeFileSync(`${path}.tmp`, tokenizer.toJSON());
  renameSync(`${path}.tmp`, path);
  report.log(`tokenizer: byte-level BPE with ${tokenizer.vocabSize} ids trained on ${texts.length} texts`);
}

function packShard(texts: string[], tokenizerPath: string, path: string, report: RunReporter): number {
  const tokenizer = loadTokenizer(readFileSync(tokenizerPath, "utf8"));
  if (!existsSync(path)) {
    const endOfText = tokenizer.specialTokens[SPECIAL_TOKENS.endOfText];
    const tokens = texts.flatMap((text) => [...tokenizer.encode(text), endOfText]);
    writeShard(path, tokens, { dtype: dtypeForVocab(tokenizer.vocabSize) });
    report.log(`shard: ${tokens.length} tokens from ${texts.length} texts`);
  }
  return tokenizer.vocabSize;
}

export const pretrainHandler: RunHandler<"pretrain"> = {
  async engineConfig(config, inputs, workDir, report) {
    const { tokenizer: tokenizerSettings, ...hyper } = config;
    const texts = readTexts(writeRunData(inputs.snapshotDir, "pretrain", workDir).train);
    const tokenizerPath = join(workDir, "tokenizer.json");
    await trainTokenizer(texts, tokenizerSettings, tokenizerPath, report);
    const shard = join(workDir, "data", "train.bin");
    const vocabSize = packShard(texts, tokenizerPath, shard, report);
    return {
      ...hyper,
      model: { ...hyper.model, vocabSize },
      tokenizer: tokenizerPath,
      data: { shards: [shard] },
    };
  },
};
