/**
 * SentencePiece-style pre-tokenization and decoding: spaces become "▁" (U+2581), a "▁" is prepended to the text, and
 * each "▁" starts a new word, so the word boundaries survive inside the pieces and decoding turns them back into
 * spaces. Built from tokenizer.json and written back unchanged, like the normalizers.
 */
import { TokenizerFormatError } from "./types.js";

export type PipelineJson = { type: string; [key: string]: unknown } | null;

/** `atStart`: the text begins the input (not after a special token): Metaspace's "first" scheme prepends only there. */
export type PreTokenize = (text: string, atStart: boolean, onWord: (word: string) => void) => void;

export const METASPACE_JSON = {
  type: "Metaspace",
  replacement: "▁",
  prepend_scheme: "always",
  split: true,
} as const;

interface Metaspace {
  replacement: string;
  prepend: "always" | "first" | "never";
  split: boolean;
}

function parseMetaspace(json: { [key: string]: unknown }): Metaspace {
  const replacement = typeof json.replacement === "string" ? json.replacement : "▁";
  // Files written before prepend_scheme existed say add_prefix_space instead.
  const legacy = json.add_prefix_space === false ? "never" : "always";
  const prepend = (json.prepend_scheme ?? legacy) as Metaspace["prepend"];
  if (!["always", "first", "never"].includes(prepend))
    throw new TokenizerFormatError(`Metaspace prepend_scheme ${JSON.stringify(prepend)} is not supported`);
  return { replacement, prepend, split: json.split !== false };
}

function metaspace(m: Metaspace): PreTokenize {
  return (text, atStart, onWord) => {
    let t = text.replaceAll(" ", m.replacement);
    const prepend = m.prepend === "always" || (m.prepend === "first" && atStart);
    if (prepend && !t.startsWith(m.replacement)) t = m.replacement + t;
    if (!m.split) {
      if (t) onWord(t);
      return;
    }
    // Each replacement character starts a word of its own (the delimiter is merged with what follows it).
    let from = 0;
    for (let at = t.indexOf(m.replacement, 1); at > 0; at = t.indexOf(m.replacement, at + 1)) {
      onWord(t.slice(from, at));
      from = at;
    }
    if (from < t.length) onWord(t.slice(from));
  };
}

/** Rust's char::is_whitespace is the Unicode White_Space property. */
const WHITESPACE_RUNS = /\p{White_Space}+/u;

export function buildPreTokenizer(json: PipelineJson): PreTokenize {
  if (json === null) return (text, _atStart, onWord) => text && onWord(text);
  if (json.type === "Metaspace") return metaspace(parseMetaspace(json));
  if (json.type === "WhitespaceSplit")
    return (text, _atStart, onWord) => {
      for (const w of text.split(WHITESPACE_RUNS)) if (w) onWord(w);
    };
  if (json.type === "Sequence") {
    const steps = (json.pretokenizers as PipelineJson[]).map(buildPreTokenizer);
    return (text, atStart, onWord) => {
      let words = [text];
      for (const step of steps) {
        const next: string[] = [];
        words.forEach((w, i) => step(w, atStart && i === 0, (x) => next.push(x)));
        words = next;
      }
      words.forEach(onWord);
    };
  }
  throw new TokenizerFormatError(
    `pre_tokenizer ${JSON.stringify(json.type)} is not supported with Unigram (supported: Metaspace, WhitespaceSplit, Sequence of them, none)`,
  );
}

export type Decode = (tokens: string[]) => string[];

const BYTE_TOKEN = /^<0x([0-9A-F]{2})>$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** "<0x41>" -> 0x41, else undefined: SentencePiece's byte-fallback pieces. */
export function byteOfToken(token: string): number | undefined {
  const m = BYTE_TOKEN.exec(token);
  return m ? parseInt(m[1], 16) : undefined;
}

/** Runs of byte tokens become their UTF-8 text, or one U+FFFD per byte when they are not valid UTF-8. */
function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length === 0) return;
    try {
      out.push(utf8.decode(Uint8Array.from(bytes)));
    } catch {
      for (let i = 0; i < bytes.length; i++) out.push("\ufffd");
    }
    bytes = [];
  };
  for (const t of tokens) {
    const b = byteOfToken(t);
    if (b === undefined) {
      flush();
      out.push(t);
    } else {
      bytes.push(b);
    }
  }
  flush();
  return out;
}

export function buildDecoder(json: PipelineJson): Decode {
  if (json === null) return (tokens) => tokens;
  switch (json.type) {
    case "Metaspace": {
      const m = parseMetaspace(json);
      // The reference drops every replacement character of the first token, not only a leading one.
      return (tokens) =>
        tokens.map((t, i) => t.replaceAll(m.replacement, i === 0 && m.prepend !== "never" ? "" : " "));
    }
    case "ByteFallback":
      return byteFallback;
    case "Fuse":
      return (tokens) => [tokens.join("")];
    case "Replace": {
      const from = (json.pattern as { String?: string } | undefined)?.String;
      if (from === undefined)
        throw new TokenizerFormatError("decoder Replace with a Regex pattern is not supported");
      const to = String(json.content);
      return (tokens) => tokens.map((t) => t.replaceAll(from, to));
    }
    case "Strip": {
      const content = String(json.content);
      const start = Number(json.start);
      const stop = Number(json.stop);
      return (tokens) =>
        tokens.map((t) => {
          const chars = Array.from(t);
          let a = 0;
          let b = chars.length;
          while (a < start && a < b && chars[a] === content) a++;
          while (chars.length - b < stop && b > a && chars[b - 1] === content) b--;
          return chars.slice(a, b).join("");
        });
    }
    case "Sequence": {
      const steps = (json.decoders as PipelineJson[]).map(buildDecoder);
      return (tokens) => steps.reduce((acc, step) => step(acc), tokens);
    }
    default:
      throw new TokenizerFormatError(
        `decoder ${JSON.stringify(json.type)} is not supported with Unigram (supported: Metaspace, ByteFallback, Fuse, Replace, Strip, Sequence)`,
      );
  }
}
