/**
 * The data card: everything a reader needs to trust (or question) a prepared dataset, written next to the shards as
 * data-card.json and as a Markdown summary, data-card.md.
 */
import type { DataPrepareConfig } from "../config/data.js";
import type { CleanSummary } from "./clean.js";
import type { MixPlanEntry } from "./mix.js";
import type { PackResult } from "./pack.js";

export interface DataCard {
  version: 1;
  createdAt: string;
  seed: number;
  configHash: string;
  config: DataPrepareConfig;
  tokenizer: { spec: string; kind: string; vocabSize: number; file: string; sha256: string };
  sources: CleanSummary["sources"];
  badLines: { total: number; listed: CleanSummary["badLines"] };
  stages: CleanSummary["stages"];
  languages: CleanSummary["languages"];
  languageScores: CleanSummary["languageScores"];
  domains: CleanSummary["domains"];
  dedup: { exactHashes: number; nearIndexCapacity: number; nearIndexEvicted: number };
  mix: Omit<MixPlanEntry, "partial" | "tokens">[];
  tokens: {
    total: number;
    train: number;
    validation: number;
    tailDropped: number;
    perSource: Record<string, number>;
  };
  sequences: { length: number; train: number; validation: number };
  shards: PackResult["shards"];
  cleanFiles: Record<string, string>;
  /** Cleaning and packing summed over an interrupted run and its resumptions; total = clean + pack + the rest. */
  seconds: { clean: number; pack: number; total: number };
}

/** Bad lines listed individually in the card; the total is always exact. */
export const MAX_LISTED_BAD_LINES = 1000;

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(3));

export function renderCardMarkdown(card: DataCard): string {
  const out: string[] = [];
  out.push(
    `# Data card`,
    "",
    `Created ${card.createdAt}; seed ${card.seed}; config hash \`${card.configHash}\`.`,
    "",
  );
  out.push(
    `Tokenizer: ${card.tokenizer.spec} (${card.tokenizer.kind}, ${fmt(card.tokenizer.vocabSize)} ids), saved as \`${card.tokenizer.file}\` (sha256 \`${card.tokenizer.sha256.slice(0, 16)}\`).`,
    "",
  );
  out.push(
    "## Sources",
    "",
    "| source | files | empty files | binary files skipped | bytes | documents | bad lines | clean documents | clean tokens |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const [name, s] of Object.entries(card.sources)) {
    out.push(
      `| ${name} | ${fmt(s.files)} | ${fmt(s.emptyFiles.length)} | ${fmt(s.binaryFiles.length)} | ${fmt(s.bytes)} | ${fmt(s.documents)} | ${fmt(s.badLines)} | ${fmt(s.cleanDocuments)} | ${fmt(s.cleanTokens)} |`,
    );
  }
  for (const [name, s] of Object.entries(card.sources))
    for (const f of s.binaryFiles) out.push("", `- ${name}: skipped binary file ${f}`);
  out.push(
    "",
    "## Cleaning stages",
    "",
    "| stage | in | out | dropped (reason: count) | changed (reason: count) |",
    "| --- | ---: | ---: | --- | --- |",
  );
  const reasons = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k}: ${fmt(v)}`)
      .join(", ") || "-";
  for (const s of card.stages)
    out.push(`| ${s.stage} | ${fmt(s.in)} | ${fmt(s.out)} | ${reasons(s.dropped)} | ${reasons(s.changed)} |`);
  out.push("", "Per source:", "");
  for (const s of card.stages) {
    for (const [src, c] of Object.entries(s.bySource)) {
      if (Object.keys(c.dropped).length || Object.keys(c.changed).length)
        out.push(
          `- ${s.stage} / ${src}: in ${fmt(c.in)}, out ${fmt(c.out)}; dropped ${reasons(c.dropped)}; changed ${reasons(c.changed)}`,
        );
    }
  }
  out.push(
    "",
    `Near-duplicate index: capacity ${fmt(card.dedup.nearIndexCapacity)} documents, ${fmt(card.dedup.nearIndexEvicted)} evicted (dedup window).`,
    "",
  );
  out.push("## Languages", "", "Documents per detected language (mean detection score in brackets).", "");
  for (const [src, langs] of Object.entries(card.languages)) {
    out.push(
      `- ${src}: ${Object.entries(langs)
        .sort((a, b) => b[1] - a[1])
        .map(([l, n]) => `${l} ${fmt(n)} (${(card.languageScores[src]?.[l] ?? 0).toFixed(2)})`)
        .join(", ")}`,
    );
  }
  if (Object.keys(card.domains).length) {
    out.push("", "## Domains", "", "Documents per URL domain (the ten most frequent per source).", "");
    for (const [src, domains] of Object.entries(card.domains))
      out.push(
        `- ${src}: ${Object.entries(domains)
          .slice(0, 10)
          .map(([d, n]) => `${d} ${fmt(n)}`)
          .join(", ")}`,
      );
  }
  out.push("", "## Bad lines", "", `${fmt(card.badLines.total)} in total.`, "");
  for (const b of card.badLines.listed) out.push(`- ${b.file}:${b.line} (${b.source}): ${b.reason}`);
  if (card.badLines.total > card.badLines.listed.length)
    out.push(`- ... and ${fmt(card.badLines.total - card.badLines.listed.length)} more`);
  out.push(
    "",
    "## Mix",
    "",
    "| source | clean tokens | target share | epochs | planned tokens | actual share |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const m of card.mix) {
    const actual = card.tokens.total > 0 ? (card.tokens.perSource[m.source] ?? 0) / card.tokens.total : 0;
    out.push(
      `| ${m.source} | ${fmt(m.cleanTokens)} | ${m.targetShare.toFixed(3)} | ${m.epochs.toFixed(3)} | ${fmt(m.plannedTokens)} | ${actual.toFixed(3)} |`,
    );
  }
  out.push("", "## Output", "");
  out.push(
    `${fmt(card.tokens.total)} tokens (${fmt(card.tokens.tailDropped)} in the final partial sequence dropped); sequences of ${fmt(card.sequences.length)}: ${fmt(card.sequences.train)} train, ${fmt(card.sequences.validation)} validation.`,
    "",
  );
  out.push(
    "| shard | split | sequences | tokens | documents starting | sha256 |",
    "| --- | --- | ---: | ---: | ---: | --- |",
  );
  for (const s of card.shards)
    out.push(
      `| ${s.file} | ${s.split} | ${fmt(s.sequences)} | ${fmt(s.tokens)} | ${fmt(s.documents)} | \`${s.sha256.slice(0, 16)}\` |`,
    );
  out.push("", "Clean files (sha256):", "");
  for (const [src, hash] of Object.entries(card.cleanFiles)) out.push(`- ${src}: \`${hash.slice(0, 16)}\``);
  out.push(
    "",
    `Time: cleaning ${card.seconds.clean.toFixed(1)} s, packing ${card.seconds.pack.toFixed(1)} s, total ${card.seconds.total.toFixed(1)} s.`,
    "",
  );
  out.push("## Config", "", "```json", JSON.stringify(card.config, null, 2), "```", "");
  return out.join("\n");
}
