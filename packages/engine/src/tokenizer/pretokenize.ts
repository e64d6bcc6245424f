/**
 * Pre-tokenization: text is cut into words by a regex before BPE, so merges never cross word boundaries and
 * encodings can be cached per word. Patterns are kept in the Rust/Oniguruma spelling used by tokenizer.json and
 * translated to JavaScript where the syntax differs.
 */
import { TokenizerFormatError } from "./types.js";

export const PRETOKENIZE_PATTERNS = {
  /** GPT-2 (r50k); also what HF's ByteLevel pre-tokenizer applies when use_regex is true. */
  gpt2: String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  /** GPT-4 (cl100k): case-insensitive contractions, digits in groups of at most three, newlines kept apart. */
  cl100k: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
} as const;

export type PatternName = keyof typeof PRETOKENIZE_PATTERNS;

/** JavaScript has no inline `(?i:...)` group on Node 20: spell each ASCII letter inside one as a class. */
export function toJsRegex(pattern: string): RegExp {
  const translated = pattern.replace(
    /\(\?i:([^()]*)\)/g,
    (_m, body: string) =>
      "(?:" + body.replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`) + ")",
  );
  try {
    return new RegExp(translated, "gu");
  } catch (err) {
    throw new TokenizerFormatError(
      `pre-tokenizer regex ${JSON.stringify(pattern)} is not usable in JavaScript: ${(err as Error).message}`,
    );
  }
}

/** Calls `onWord` for each regex match and for any text between matches (HF "Isolated" split behaviour). */
export function splitIsolated(text: string, regex: RegExp, onWord: (word: string) => void): void {
  regex.lastIndex = 0;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(text)) !== null) {
    if (m.index > last) onWord(text.slice(last, m.index));
    if (m[0].length === 0) {
      regex.lastIndex++;
      continue;
    }
    onWord(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) onWord(text.slice(last));
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A regex matching any of the special tokens, longest first so `<|im_start|>` wins over a prefix of it. */
export function specialTokenRegex(specials: Iterable<string>): RegExp | undefined {
  const list = [...specials].sort((a, b) => b.length - a.length);
  return list.length === 0 ? undefined : new RegExp(list.map(escapeRegex).join("|"), "g");
}

/**
 * Splits text around special tokens: `onText` for ordinary stretches (with their offset in `text`), `onSpecial` for
 * each special token.
 */
export function splitOnSpecials(
  text: string,
  regex: RegExp | undefined,
  onText: (t: string, start: number) => void,
  onSpecial: (s: string) => void,
): void {
  if (!regex) {
    if (text) onText(text, 0);
    return;
  }
  regex.lastIndex = 0;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(text)) !== null) {
    if (m.index > last) onText(text.slice(last, m.index), last);
    onSpecial(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) onText(text.slice(last), last);
}

/** Ids for `text` with special-token strings mapped to their ids and everything between them encoded by `encodeText`. */
export function encodeWithSpecials(
  text: string,
  regex: RegExp | undefined,
  specialTokens: Readonly<Record<string, number>>,
  encodeText: (t: string, out: number[], start: number) => void,
): number[] {
  const out: number[] = [];
  splitOnSpecials(
    text,
    regex,
    (t, start) => encodeText(t, out, start),
    (s) => out.push(specialTokens[s]),
  );
  return out;
}
