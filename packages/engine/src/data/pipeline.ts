/**
 * `data prepare` end to end: clean every source (streaming), plan the mix, pack shards, write the data card.
 * Re-running with the same config resumes: a finished cleaning stage is reused, packing continues from its last
 * checkpoint, and a finished run returns its card. A different config in the same output folder is refused.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DataPrepareConfig } from "../config/data.js";
import { openTokenizer } from "../tokenizer/open.js";
import { MAX_LISTED_BAD_LINES, renderCardMarkdown, type DataCard } from "./card.js";
import { cleanDir, runCleaning, type CleanOptions } from "./clean.js";
import type { HarmfulClassifier } from "./harmful.js";
import { planMix } from "./mix.js";
import { packShards, type PackOptions } from "./pack.js";

export interface PrepareOptions {
  harmfulClassifier?: HarmfulClassifier;
  /** Discard earlier work in the output folder instead of resuming it. */
  restart?: boolean;
  onCleanProgress?: CleanOptions["onProgress"];
  onPackProgress?: PackOptions["onProgress"];
  stopAfterShards?: number;
}

export const CARD_JSON = "data-card.json";
export const CARD_MARKDOWN = "data-card.md";
export const TOKENIZER_FILE = "tokenizer.json";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Returns the data card, or undefined when stopped early by `stopAfterShards`. */
export async function prepareData(
  cfg: DataPrepareConfig,
  opts: PrepareOptions = {},
): Promise<DataCard | undefined> {
  const started = performance.now();
  const names = cfg.sources.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`two sources are named "${dup}"; source names must be unique`);
  const tokenizer = await openTokenizer(cfg.tokenizer);
  const tokenizerJson = tokenizer.toJSON();
  const configHash = sha256(JSON.stringify(cfg) + sha256(tokenizerJson)).slice(0, 16);

  const cardPath = join(cfg.output, CARD_JSON);
  const statePath = join(cfg.output, "work", "pack-state.json");
  if (opts.restart) rmSync(join(cfg.output, "work"), { recursive: true, force: true });
  if (!opts.restart && existsSync(cardPath)) {
    const card = JSON.parse(readFileSync(cardPath, "utf8")) as DataCard;
    if (card.configHash === configHash) return card;
  }
  const previous = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, "utf8")) as { configHash: string }).configHash
    : undefined;
  if (previous !== undefined && previous !== configHash) {
    throw new Error(
      `${cfg.output} holds a run with a different config (hash ${previous}, now ${configHash}); use another output folder or --restart`,
    );
  }
  mkdirSync(cfg.output, { recursive: true });
  writeFileSync(join(cfg.output, TOKENIZER_FILE), tokenizerJson);

  const cleanStarted = performance.now();
  const clean = await runCleaning(cfg, tokenizer, configHash, {
    harmfulClassifier: opts.harmfulClassifier,
    onProgress: opts.onCleanProgress,
  });
  const cleanElapsed = performance.now() - cleanStarted;
  const dir = cleanDir(cfg.output);
  const sources = cfg.sources.map((s) => {
    const raw = readFileSync(join(dir, `${s.name}.tokens`));
    const tokens = new Uint32Array(raw.byteLength / 4);
    new Uint8Array(tokens.buffer).set(raw);
    // Each document is followed by <|endoftext|> in the shards; the mix counts it.
    for (let i = 0; i < tokens.length; i++) tokens[i] += 1;
    return { name: s.name, tokens };
  });
  const plan = planMix(sources, cfg.mix, cfg.seed);
  const cleanFiles = cfg.sources.map((s) => join(dir, `${s.name}.jsonl`));
  const packStarted = performance.now();
  const packed = await packShards(cfg, plan, tokenizer, cleanFiles, configHash, {
    onProgress: opts.onPackProgress,
    stopAfterShards: opts.stopAfterShards,
  });
  if (!packed) return undefined;
  const packElapsed = performance.now() - packStarted;
  // Cleaning and packing times are summed over resumed runs; the rest (tokenizer, mix plan) is this run's.
  const other = (performance.now() - started - cleanElapsed - packElapsed) / 1000;

  const total = Object.values(packed.tokensPerSource).reduce((a, b) => a + b, 0);
  const card: DataCard = {
    version: 1,
    createdAt: new Date().toISOString(),
    seed: cfg.seed,
    configHash,
    config: cfg,
    tokenizer: {
      spec: cfg.tokenizer,
      kind: tokenizer.kind,
      vocabSize: tokenizer.vocabSize,
      file: TOKENIZER_FILE,
      sha256: sha256(tokenizerJson),
    },
    sources: clean.sources,
    badLines: { total: clean.badLines.length, listed: clean.badLines.slice(0, MAX_LISTED_BAD_LINES) },
    stages: clean.stages,
    languages: clean.languages,
    languageScores: clean.languageScores,
    domains: clean.domains,
    dedup: {
      exactHashes: clean.exactHashes,
      nearIndexCapacity: clean.nearDedup.capacity,
      nearIndexEvicted: clean.nearDedup.evicted,
    },
    mix: plan.map(({ partial: _p, tokens: _t, ...rest }) => rest),
    tokens: {
      total,
      train: packed.sequences.train * cfg.pack.sequenceLength,
      validation: packed.sequences.validation * cfg.pack.sequenceLength,
      tailDropped: packed.tailTokensDropped,
      perSource: packed.tokensPerSource,
    },
    sequences: { length: cfg.pack.sequenceLength, ...packed.sequences },
    shards: packed.shards,
    cleanFiles: Object.fromEntries(cleanFiles.map((f, i) => [cfg.sources[i].name, sha256(readFileSync(f))])),
    seconds: { clean: clean.seconds, pack: packed.seconds, total: clean.seconds + packed.seconds + other },
  };
  writeFileSync(join(cfg.output, CARD_MARKDOWN), renderCardMarkdown(card));
  writeFileSync(`${cardPath}.tmp`, JSON.stringify(card, null, 1));
  renameSync(`${cardPath}.tmp`, cardPath);
  return card;
}
