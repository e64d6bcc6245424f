/**
 * The published heuristic rule sets, each a named stage with the thresholds of datatrove's implementation as defaults:
 * Gopher quality and repetition (Rae et al. 2021), C4 (Raffel et al. 2020) and FineWeb (Penedo et al. 2024). A drop
 * names its rule set and rule (e.g. "gopher_quality/stop_words"), so the data card says which rule removed what.
 */
import type { DataPrepareConfig } from "../config/data.js";
import { topNgramFraction } from "./quality.js";
import { fnv1a, words } from "./text.js";
import type { Stage } from "./types.js";

type Rules = DataPrepareConfig["rules"];

const WHITESPACE = /\s+/;
const LETTER = /\p{L}/u;
/** A token made only of punctuation and symbols is not a word for Gopher's counts. */
const SYMBOLS_ONLY = /^[\p{P}\p{S}]+$/u;

const tokens = (text: string) => text.split(WHITESPACE).filter(Boolean);
const count = (text: string, needle: string) => text.split(needle).length - 1;

/** Elements seen before, and their characters: the duplicate measure of Gopher and FineWeb. */
export function duplicates(elements: string[]): { count: number; chars: number } {
  const seen = new Set<string>();
  let n = 0;
  let chars = 0;
  for (const e of elements) {
    if (seen.has(e)) {
      n++;
      chars += e.length;
    } else seen.add(e);
  }
  return { count: n, chars };
}

/**
 * Characters of the n-grams that repeat an earlier one, scanning left to right and skipping past each repeat (as
 * datatrove counts them). N-grams are compared by a 52-bit hash of their word hashes: exact enough for a filter,
 * and no string is built per position.
 */
export function duplicateNgramChars(ws: string[], n: number, hashes = ws.map(fnv1a)): number {
  const seen = new Set<number>();
  let chars = 0;
  for (let i = 0; i + n <= ws.length;) {
    let hi = 0;
    let lo = 0;
    let length = 0;
    for (let j = i; j < i + n; j++) {
      hi = Math.imul(hi ^ hashes[j], 0x9e3779b1) >>> 0;
      lo = Math.imul(lo + hashes[j], 0x85ebca6b) >>> 0;
      length += ws[j].length;
    }
    const key = (hi & 0xfffff) * 2 ** 32 + lo;
    if (seen.has(key)) {
      chars += length;
      i += n;
    } else {
      seen.add(key);
      i++;
    }
  }
  return chars;
}

export function gopherQualityStage(cfg: Rules["gopherQuality"]): Stage {
  const stopWords = new Set(cfg.stopWords);
  return {
    name: "gopher_quality",
    apply(doc) {
      const text = doc.text;
      const all = tokens(text);
      const ws = all.filter((w) => !SYMBOLS_ONLY.test(w));
      const drop = (rule: string) => ({ drop: `gopher_quality/${rule}` });
      if (ws.length < cfg.minDocWords) return drop("short_doc");
      if (ws.length > cfg.maxDocWords) return drop("long_doc");
      const meanLength = ws.reduce((s, w) => s + w.length, 0) / ws.length;
      if (meanLength < cfg.minAvgWordLength) return drop("below_avg_word_length");
      if (meanLength > cfg.maxAvgWordLength) return drop("above_avg_word_length");
      if (count(text, "#") / ws.length > cfg.maxSymbolWordRatio) return drop("too_many_hashes");
      if ((count(text, "...") + count(text, "…")) / ws.length > cfg.maxSymbolWordRatio)
        return drop("too_many_ellipsis");
      const lines = text.split("\n");
      const bullets = lines.filter((l) => /^\s*[•\-*‣⁃◦▪]/.test(l)).length;
      if (bullets / lines.length > cfg.maxBulletLinesRatio) return drop("too_many_bullets");
      const ellipsisEnd = lines.filter((l) => /(\.\.\.|…)\s*$/.test(l)).length;
      if (ellipsisEnd / lines.length > cfg.maxEllipsisLinesRatio) return drop("too_many_end_ellipsis");
      if (all.filter((w) => LETTER.test(w)).length / all.length < cfg.minAlphaWordsRatio)
        return drop("below_alpha_threshold");
      const stops = words(text.toLowerCase()).filter((w) => stopWords.has(w)).length;
      if (stops < cfg.minStopWords) return drop("stop_words");
      return {};
    },
  };
}

export function gopherRepetitionStage(cfg: Rules["gopherRepetition"]): Stage {
  const top = Object.entries(cfg.topNgramCharFraction).map(([n, max]) => ({ n: Number(n), max }));
  const dup = Object.entries(cfg.duplicateNgramCharFraction).map(([n, max]) => ({ n: Number(n), max }));
  return {
    name: "gopher_repetition",
    apply(doc) {
      const text = doc.text;
      const drop = (rule: string) => ({ drop: `gopher_repetition/${rule}` });
      const paragraphs = text.trim().split(/\n{2,}/);
      const p = duplicates(paragraphs);
      if (p.count / paragraphs.length > cfg.duplicateParagraphFraction) return drop("dup_para_frac");
      if (p.chars / text.length > cfg.duplicateParagraphCharFraction) return drop("dup_para_char_frac");
      const lines = text.split(/\n+/);
      const l = duplicates(lines);
      if (l.count / lines.length > cfg.duplicateLineFraction) return drop("dup_line_frac");
      if (l.chars / text.length > cfg.duplicateLineCharFraction) return drop("dup_line_char_frac");
      const ws = words(text.toLowerCase());
      for (const { n, max } of top) if (topNgramFraction(ws, n) > max) return drop(`top_${n}_gram`);
      const wordChars = ws.reduce((s, w) => s + w.length + 1, 0);
      const hashes = ws.map(fnv1a);
      for (const { n, max } of dup)
        if (duplicateNgramChars(ws, n, hashes) / Math.max(wordChars, 1) > max)
          return drop(`duplicated_${n}_n_grams`);
      return {};
    },
  };
}

const C4_END = /[.?!"']$/;
const C4_CITATION = /\[\d*\]|\[edit\]|\[citation needed\]/gi;
const C4_POLICY = [
  "terms of use",
  "privacy policy",
  "cookie policy",
  "uses cookies",
  "use of cookies",
  "use cookies",
];
const SENTENCE_END = /[.!?]+(?:\s|$)/g;

/** C4: keeps only lines that end like sentences and have a few words; drops pages of code, placeholder or few sentences. */
export function c4Stage(cfg: Rules["c4"]): Stage {
  return {
    name: "c4",
    apply(doc) {
      const kept: string[] = [];
      const changes: string[] = [];
      let sentences = 0;
      for (const raw of doc.text.split("\n")) {
        const uncited = cfg.removeCitations ? raw.replace(C4_CITATION, "") : raw;
        if (uncited !== raw) changes.push("c4/citation_removed");
        const line = uncited.trim();
        if (!line) continue;
        const lower = line.toLowerCase();
        if (cfg.filterLoremIpsum && lower.includes("lorem ipsum")) return { drop: "c4/lorem_ipsum" };
        if (cfg.filterCurlyBracket && line.includes("{")) return { drop: "c4/curly_bracket" };
        const ws = tokens(line);
        if (ws.some((w) => w.length > cfg.maxWordLength)) return { drop: "c4/word_too_long" };
        if (cfg.filterNoTerminalPunct && (!C4_END.test(line) || line.endsWith("...")))
          changes.push("c4/line_no_terminal_punct");
        else if (ws.length < cfg.minWordsPerLine) changes.push("c4/line_too_few_words");
        else if (cfg.filterJavascript && lower.includes("javascript")) changes.push("c4/line_javascript");
        else if (cfg.filterPolicy && C4_POLICY.some((p) => lower.includes(p))) changes.push("c4/line_policy");
        else {
          kept.push(line);
          sentences += Math.max(line.match(SENTENCE_END)?.length ?? 0, 1);
        }
      }
      if (sentences < cfg.minSentences) return { drop: "c4/too_few_sentences" };
      const text = kept.join("\n");
      return text === doc.text
        ? {}
        : { text, changes: changes.length ? changes : ["c4/blank_lines_removed"] };
    },
  };
}

/** Terminal punctuation of the scripts FineWeb covers (a subset of datatrove's TERMINAL_PUNCTUATION). */
const TERMINAL = /[.!?"'”’»)\]:;。！？．｡؟۔।॥…]$/u;

export function finewebStage(cfg: Rules["fineweb"]): Stage {
  return {
    name: "fineweb",
    apply(doc) {
      const text = doc.text;
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      if (lines.length === 0) return { drop: "fineweb/empty" };
      const punct = lines.filter((l) => TERMINAL.test(l.trimEnd())).length / lines.length;
      if (punct < cfg.lineEndPunctuationMin && !(punct === 0 && cfg.lineEndPunctuationExcludeZero))
        return { drop: "fineweb/line_punct_ratio" };
      const short = lines.filter((l) => l.length <= cfg.shortLineLength).length / lines.length;
      if (short > cfg.shortLineMax) return { drop: "fineweb/short_line_ratio" };
      if (duplicates(lines).chars / Math.max(text.replaceAll("\n", "").length, 1) > cfg.charDuplicatesMax)
        return { drop: "fineweb/char_dup_ratio" };
      if (count(text, "\n") / Math.max(words(text).length, 1) > cfg.newlineRatioMax)
        return { drop: "fineweb/list_ratio" };
      return {};
    },
  };
}

export function ruleStages(cfg: Rules): Stage[] {
  return [
    ...(cfg.gopherRepetition.enabled ? [gopherRepetitionStage(cfg.gopherRepetition)] : []),
    ...(cfg.gopherQuality.enabled ? [gopherQualityStage(cfg.gopherQuality)] : []),
    ...(cfg.c4.enabled ? [c4Stage(cfg.c4)] : []),
    ...(cfg.fineweb.enabled ? [finewebStage(cfg.fineweb)] : []),
  ];
}
