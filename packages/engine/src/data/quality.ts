/**
 * General quality filters: length, symbol and digit ratios, a gibberish heuristic, and boilerplate lines. Each drop
 * names the rule that fired. The published rule sets (Gopher, C4, FineWeb) are stages of their own in rules.ts.
 */
import type { DataPrepareConfig } from "../config/data.js";
import { fnv1a, words } from "./text.js";
import type { Stage } from "./types.js";

type QualityConfig = DataPrepareConfig["quality"];

const enum CharClass {
  Space,
  Letter,
  Digit,
  Punctuation,
  Symbol,
}

const classCache = new Map<number, CharClass>();
const PUNCT = /\p{P}/u;
const SPACE = /\s/u;

/** Character class with an ASCII fast path; other code points are classified once and cached. */
function classify(cp: number): CharClass {
  if (cp < 128) {
    if (cp === 32 || (cp >= 9 && cp <= 13)) return CharClass.Space;
    if (cp >= 48 && cp <= 57) return CharClass.Digit;
    if ((cp | 32) >= 97 && (cp | 32) <= 122) return CharClass.Letter;
    // $ + < = > ^ ` | ~ are Unicode symbols; the rest of ASCII punctuation is Unicode punctuation.
    return "$+<=>^`|~".includes(String.fromCharCode(cp)) || cp < 32 || cp === 127
      ? CharClass.Symbol
      : CharClass.Punctuation;
  }
  let c = classCache.get(cp);
  if (c === undefined) {
    const ch = String.fromCodePoint(cp);
    c = SPACE.test(ch)
      ? CharClass.Space
      : /[\p{L}\p{M}]/u.test(ch)
        ? CharClass.Letter
        : /\p{N}/u.test(ch)
          ? CharClass.Digit
          : PUNCT.test(ch)
            ? CharClass.Punctuation
            : CharClass.Symbol;
    classCache.set(cp, c);
  }
  return c;
}

/** Counts of non-space, digit and symbol characters in one pass. */
export function characterCounts(text: string): { visible: number; digits: number; symbols: number } {
  let visible = 0;
  let digits = 0;
  let symbols = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) cp = text.codePointAt(i++)!;
    const c = classify(cp);
    if (c === CharClass.Space) continue;
    visible++;
    if (c === CharClass.Digit) digits++;
    else if (c === CharClass.Symbol) symbols++;
  }
  return { visible, digits, symbols };
}

const VOWEL = /[aeiouy]/i;
const CONSONANT_RUN = /[bcdfghjklmnpqrstvwxz]{5,}/i;
const ASCII_TOKEN = /^[\x21-\x7e]+$/;
const EDGE_PUNCTUATION = /^[("'[{<]+|[)"'\]}>.,;:!?]+$/g;

/** 0 lower, 1 upper, 2 digit, 3 other: changes between these classes are rare inside real words and URLs. */
function asciiKind(c: number): number {
  if (c >= 97 && c <= 122) return 0;
  if (c >= 65 && c <= 90) return 1;
  if (c >= 48 && c <= 57) return 2;
  return 3;
}

/**
 * A whitespace-separated ASCII token no language or notation spells: letters only and very long, vowel-less, or with
 * five consonants in a row; or, mixed, 20+ characters that are over 30% non-alphanumeric or switch between lower case,
 * upper case, digits and other characters more than every second character (random bytes, base64; URLs stay below).
 * A run of one repeated character is layout and never counts.
 */
export function isImplausibleToken(token: string): boolean {
  if (/^[a-z]+$/i.test(token))
    return token.length >= 30 || (token.length >= 4 && !VOWEL.test(token)) || CONSONANT_RUN.test(token);
  // Rules and form blanks ("-----", "_____") are layout, not noise.
  if (token.length < 20 || /^(.)\1*$/.test(token)) return false;
  let other = 0;
  let switches = 0;
  for (let i = 0; i < token.length; i++) {
    const kind = asciiKind(token.charCodeAt(i));
    if (kind === 3) other++;
    if (i > 0 && kind !== asciiKind(token.charCodeAt(i - 1))) switches++;
  }
  return other / token.length > 0.3 || switches / (token.length - 1) > 0.5;
}

const EDGE = /[("'[{<)\]}>.,;:!?]/;

/** Share of the characters in ASCII tokens that belong to implausible tokens; undefined below 50 such characters. */
export function gibberishFraction(text: string): number | undefined {
  let total = 0;
  let bad = 0;
  for (const raw of text.split(/\s+/)) {
    if (!raw || !ASCII_TOKEN.test(raw)) continue;
    const token =
      EDGE.test(raw[0]) || EDGE.test(raw[raw.length - 1]) ? raw.replace(EDGE_PUNCTUATION, "") : raw;
    total += token.length;
    if (token && isImplausibleToken(token)) bad += token.length;
  }
  return total >= 50 ? bad / total : undefined;
}

// Reused open-addressing table for n-gram counting: far cheaper than a Map per document.
let slotKeys = new Int32Array(1 << 12);
let slotCounts = new Int32Array(1 << 12);

/** Share of the words' characters covered by the most frequent n-gram that occurs more than once (Gopher). */
export function topNgramFraction(ws: string[], n: number): number {
  const grams = ws.length - n + 1;
  if (grams < 2) return 0;
  let size = slotKeys.length;
  while (size < grams * 2) size *= 2;
  if (size !== slotKeys.length) {
    slotKeys = new Int32Array(size);
    slotCounts = new Int32Array(size);
  } else {
    slotCounts.fill(0);
  }
  const mask = size - 1;
  const hashes = ws.map(fnv1a);
  let best = 0;
  let bestAt = 0;
  for (let i = 0; i < grams; i++) {
    let key = 0;
    for (let j = i; j < i + n; j++) key = (Math.imul(key, 0x9e3779b1) + hashes[j]) | 0;
    let slot = (key ^ (key >>> 15)) & mask;
    while (slotCounts[slot] !== 0 && slotKeys[slot] !== key) slot = (slot + 1) & mask;
    slotKeys[slot] = key;
    const c = ++slotCounts[slot];
    if (c > best) {
      best = c;
      bestAt = i;
    }
  }
  if (best < 2) return 0;
  let gramChars = 0;
  for (let j = bestAt; j < bestAt + n; j++) gramChars += ws[j].length;
  const total = ws.reduce((s, w) => s + w.length, 0);
  return (best * gramChars) / total;
}

export function qualityStage(cfg: QualityConfig): Stage {
  const boilerplate = cfg.boilerplatePatterns.length
    ? new RegExp(cfg.boilerplatePatterns.map((p) => `(?:${p})`).join("|"), "im")
    : undefined;
  return {
    name: "quality",
    apply(doc) {
      let text = doc.text;
      const changes: string[] = [];
      if (boilerplate?.test(text)) {
        const lines = text.split("\n");
        const kept = lines.filter((l) => !boilerplate.test(l));
        const visible = (ls: string[]) => ls.reduce((s, l) => s + l.trim().length, 0);
        const total = visible(lines);
        if ((total - visible(kept)) / Math.max(total, 1) > cfg.maxBoilerplateCharFraction)
          return { drop: "boilerplate" };
        text = kept.join("\n").trim();
        changes.push("boilerplate_lines_removed");
      }
      if (text.length < cfg.minChars) return { drop: "too_few_chars" };
      if (text.length > cfg.maxChars) return { drop: "too_many_chars" };
      const ws = words(text.toLowerCase());
      if (ws.length < cfg.minWords) return { drop: "too_few_words" };
      if (ws.length > cfg.maxWords) return { drop: "too_many_words" };
      const chars = characterCounts(text);
      if (chars.symbols / Math.max(chars.visible, 1) > cfg.maxSymbolRatio) return { drop: "symbol_ratio" };
      if (chars.digits / Math.max(chars.visible, 1) > cfg.maxDigitRatio) return { drop: "digit_ratio" };
      if ((gibberishFraction(text) ?? 0) > cfg.maxGibberishFraction) return { drop: "gibberish" };
      return changes.length ? { text, changes } : {};
    },
  };
}
