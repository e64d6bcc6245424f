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
import { exactDedupStage, nearDedupStage } from "./dedup.js";
import { harmfulStage, type HarmfulClassifier } from "./harmful.js";
import { languageStage } from "./langid.js";
import { normalizeStage } from "./normalize.js";
import { piiStage } from "./pii.js";
import { qualityStage } from "./quality.js";
import { listSourceFiles, readSource } from "./sources.js";
import { StageStats, type StageCounts } from "./stats.js";
import type { BadLine, Stage } from "./types.js";

export interface SourceSummary {
  files: number;
  emptyFiles: string[];
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

export function buildStages(
  cfg: DataPrepareConfig,
  onLanguage: (source: string, lang: string) => void,
  classifier?: HarmfulClassifier,
) {
  const near = cfg.dedup.near.enabled ? nearDedupStage(cfg.dedup.near, cfg.seed) : undefined;
  const exact = cfg.dedup.exact ? exactDedupStage() : undefined;
  const stages: Stage[] = [
    normalizeStage(cfg.normalize),
    ...(cfg.quality.enabled ? [qualityStage(cfg.quality)] : []),
    ...(cfg.language.enabled ? [languageStage(cfg.language, onLanguage)] : []),
    piiStage(cfg.pii),
    ...(cfg.harmful.enabled || classifier
      ? [harmfulStage(cfg.harmful.enabled ? cfg.harmful : { ...cfg.harmful, categories: [] }, classifier)]
      : []),
    ...(exact ? [exact] : []),
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
  const { stages, near, exact } = buildStages(
    cfg,
    (src, lang) => ((languages[src] ??= {})[lang] = (languages[src][lang] ?? 0) + 1),
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
