/**
 * Stage one of `data prepare`: stream every source through the cleaning stages and write the survivors to
 * <output>/work/clean/<source>.jsonl, with each document's token count in <source>.tokens (uint32 LE), which the
 * mixer reads without touching the text. summary.json, written last, marks the stage complete for resuming.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import type { DataPrepareConfig } from "../config/data.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { classifierHook, loadTextClassifier } from "./classifier.js";
import { exactDedupStage, nearDedupStage, paragraphDedupStage } from "./dedup.js";
import { harmfulStage, type HarmfulClassifier } from "./harmful.js";
import { languageStage } from "./langid.js";
import { normalizeStage } from "./normalize.js";
import { urlStage } from "./url.js";
import { piiStage } from "./pii.js";
import { qualityStage } from "./quality.js";
import { ruleStages } from "./rules.js";
import { listSourceFiles, readSource } from "./sources.js";
import { StageStats, type StageCounts } from "./stats.js";
import type { BadLine, Stage } from "./types.js";

export interface SourceSummary {
  files: number;
  emptyFiles: string[];
  /** Files skipped before decoding because their first bytes are not text. */
  binaryFiles: string[];
  bytes: number;
  documents: number;
  badLines: number;
  cleanDocuments: number;
  cleanTokens: number;
}

export interface CleanSummary {
  configHash: string;
  sources: Record<string, SourceSummary>;
  badLines: BadLine[];
  stages: StageCounts[];
  languages: Record<string, Record<string, number>>;
  /** Mean language-detection score per source and language. */
  languageScores: Record<string, Record<string, number>>;
  /** Documents per URL domain and source, the most frequent first (at most MAX_DOMAINS per source). */
  domains: Record<string, Record<string, number>>;
  nearDedup: { enabled: boolean; capacity: number; evicted: number };
  exactHashes: number;
  seconds: number;
}

export interface CleanOptions {
  harmfulClassifier?: HarmfulClassifier;
  onProgress?: (bytesRead: number, totalBytes: number, kept: number) => void;
}

export function cleanDir(output: string): string {
  return join(output, "work", "clean");
}

/** Domains listed per source in the summary and the card; the count of all other domains is under "(other)". */
export const MAX_DOMAINS = 100;

export interface StageObservers {
  onLanguage?: (source: string, language: string, score: number) => void;
  onDomain?: (source: string, domain: string) => void;
}

export function buildStages(
  cfg: DataPrepareConfig,
  observers: StageObservers = {},
  classifier?: HarmfulClassifier,
) {
  const near = cfg.dedup.near.enabled ? nearDedupStage(cfg.dedup.near, cfg.seed) : undefined;
  const model = cfg.harmful.classifier;
  classifier ??= model ? classifierHook(loadTextClassifier(model.path), model.threshold) : undefined;
  const exact = cfg.dedup.exact ? exactDedupStage() : undefined;
  const stages: Stage[] = [
    urlStage(cfg.url, observers.onDomain ?? (() => {})),
    normalizeStage(cfg.normalize),
    ...(cfg.quality.enabled ? [qualityStage(cfg.quality)] : []),
    ...ruleStages(cfg.rules),
    ...(cfg.language.enabled ? [languageStage(cfg.language, observers.onLanguage ?? (() => {}))] : []),
    piiStage(cfg.pii),
    ...(cfg.harmful.enabled || classifier
      ? [harmfulStage(cfg.harmful.enabled ? cfg.harmful : { ...cfg.harmful, categories: [] }, classifier)]
      : []),
    ...(exact ? [exact] : []),
    ...(cfg.dedup.paragraphs ? [paragraphDedupStage()] : []),
    ...(near ? [near] : []),
  ];
  return { stages, near, exact };
}

export async function runCleaning(
  cfg: DataPrepareConfig,
  tokenizer: Tokenizer,
  configHash: string,
  opts: CleanOptions = {},
): Promise<CleanSummary> {
  const dir = cleanDir(cfg.output);
  const summaryPath = join(dir, "summary.json");
  if (existsSync(summaryPath)) {
    const done = JSON.parse(readFileSync(summaryPath, "utf8")) as CleanSummary;
    if (done.configHash === configHash) return done;
  }
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const languages: Record<string, Record<string, number>> = {};
  const scoreSums: Record<string, Record<string, number>> = {};
  const domainCounts = new Map<string, Map<string, number>>();
  const { stages, near, exact } = buildStages(
    cfg,
    {
      onLanguage: (src, lang, score) => {
        (languages[src] ??= {})[lang] = (languages[src][lang] ?? 0) + 1;
        (scoreSums[src] ??= {})[lang] = (scoreSums[src][lang] ?? 0) + score;
      },
      onDomain: (src, domain) => {
        let counts = domainCounts.get(src);
        if (!counts) domainCounts.set(src, (counts = new Map()));
        counts.set(domain, (counts.get(domain) ?? 0) + 1);
      },
    },
    opts.harmfulClassifier,
  );
  const stats = new StageStats(stages.map((s) => s.name));
  const badLines: BadLine[] = [];
  const sources: Record<string, SourceSummary> = {};
  const totalBytes = cfg.sources.flatMap(listSourceFiles).reduce((s, f) => s + statSync(f).size, 0);
  let bytesRead = 0;
  let reported = 0;
  let kept = 0;
  for (const src of cfg.sources) {
    const summary: SourceSummary = (sources[src.name] = {
      files: 0,
      emptyFiles: [],
      binaryFiles: [],
      bytes: 0,
      documents: 0,
      badLines: 0,
      cleanDocuments: 0,
      cleanTokens: 0,
    });
    const out = createWriteStream(join(dir, `${src.name}.jsonl.tmp`));
    const tokenCounts: number[] = [];
    const events = {
      onBadLine: (b: BadLine) => {
        badLines.push(b);
        summary.badLines++;
      },
      onFile: (_f: string, size: number) => {
        summary.files++;
        summary.bytes += size;
      },
      onEmptyFile: (f: string) => summary.emptyFiles.push(f),
      onBinaryFile: (f: string) => summary.binaryFiles.push(f),
      onBytes: (n: number) => {
        bytesRead += n;
        if (bytesRead - reported >= 1 << 20) {
          reported = bytesRead;
          opts.onProgress?.(bytesRead, totalBytes, kept);
        }
      },
    };
    for await (const doc of readSource(src, events)) {
      summary.documents++;
      let alive = true;
      for (const stage of stages) {
        const r = stage.apply(doc);
        stats.record(stage.name, doc.source, r);
        if (r.drop) {
          alive = false;
          break;
        }
        if (r.text !== undefined) doc.text = r.text;
      }
      if (!alive) continue;
      const tokens = tokenizer.encodeOrdinary(doc.text).length;
      tokenCounts.push(tokens);
      summary.cleanDocuments++;
      summary.cleanTokens += tokens;
      kept++;
      if (
        !out.write(
          JSON.stringify({ id: doc.id, text: doc.text, file: doc.location.file, line: doc.location.line }) +
            "\n",
        )
      )
        await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    writeFileSync(join(dir, `${src.name}.tokens`), Buffer.from(new Uint32Array(tokenCounts).buffer));
    renameSync(join(dir, `${src.name}.jsonl.tmp`), join(dir, `${src.name}.jsonl`));
  }
  opts.onProgress?.(totalBytes, totalBytes, kept);
  const result: CleanSummary = {
    configHash,
    sources,
    badLines,
    stages: stats.toJSON(),
    languages,
    languageScores: Object.fromEntries(
      Object.entries(scoreSums).map(([src, sums]) => [
        src,
        Object.fromEntries(Object.entries(sums).map(([l, sum]) => [l, sum / languages[src][l]])),
      ]),
    ),
    domains: Object.fromEntries([...domainCounts].map(([src, counts]) => [src, topDomains(counts)])),
    nearDedup: {
      enabled: near !== undefined,
      capacity: near?.index.capacity ?? 0,
      evicted: near?.index.evicted ?? 0,
    },
    exactHashes: exact?.size() ?? 0,
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(`${summaryPath}.tmp`, JSON.stringify(result, null, 1));
  renameSync(`${summaryPath}.tmp`, summaryPath);
  return result;
}

function topDomains(counts: Map<string, number>): Record<string, number> {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = Object.fromEntries(sorted.slice(0, MAX_DOMAINS));
  const other = sorted.slice(MAX_DOMAINS).reduce((s, [, n]) => s + n, 0);
  return other > 0 ? { ...top, "(other)": other } : top;
}
