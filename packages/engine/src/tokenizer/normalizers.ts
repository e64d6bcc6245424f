/**
 * The tokenizer.json normalizers we can run in TypeScript. Each is a plain string -> string function, built from its
 * JSON and written back unchanged, so a loaded tokenizer saves exactly what it read.
 */
import { TokenizerFormatError } from "./types.js";

export type NormalizerJson = { type: string; [key: string]: unknown } | null;

export type Normalize = (text: string) => string;

export function buildNormalizer(json: NormalizerJson): Normalize | undefined {
  if (json === null || json === undefined) return undefined;
  switch (json.type) {
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD": {
      const form = json.type;
      return (t) => t.normalize(form);
    }
    case "Lowercase":
      return (t) => t.toLowerCase();
    case "Sequence": {
      const parts = (json.normalizers as NormalizerJson[])
        .map(buildNormalizer)
        .filter((f): f is Normalize => f !== undefined);
      return (t) => parts.reduce((acc, f) => f(acc), t);
    }
    case "Replace": {
      // SentencePiece conversions spell spaces as "▁" with a plain-string Replace; regex patterns differ between engines.
      const from = (json.pattern as { String?: string } | undefined)?.String;
      if (from === undefined)
        throw new TokenizerFormatError("normalizer Replace with a Regex pattern is not supported");
      const to = String(json.content);
      return (t) => t.replaceAll(from, to);
    }
    case "Prepend": {
      const prefix = String(json.prepend);
      return (t) => (t ? prefix + t : t);
    }
    case "BertNormalizer":
      return bertNormalizer({
        cleanText: json.clean_text !== false,
        handleChineseChars: json.handle_chinese_chars !== false,
        lowercase: json.lowercase !== false,
        // HF: strip_accents null means "follow lowercase".
        stripAccents:
          json.strip_accents === null || json.strip_accents === undefined
            ? json.lowercase !== false
            : json.strip_accents === true,
      });
    default:
      throw new TokenizerFormatError(
        `normalizer type ${JSON.stringify(json.type)} is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Sequence, BertNormalizer)`,
      );
  }
}

export interface BertNormalizerOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  stripAccents: boolean;
  lowercase: boolean;
}

const CONTROL = /[\p{Cc}\p{Cf}]/u;
const WHITESPACE = /\p{White_Space}/u;
const COMBINING_MARK = /\p{Mn}/gu;

/** The CJK ideograph blocks BERT isolates as single words (same ranges as the reference implementation). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export function bertNormalizer(opts: BertNormalizerOptions): Normalize {
  return (text) => {
    let out = "";
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (opts.cleanText) {
        if (cp === 0 || cp === 0xfffd) continue;
        if (ch === "\t" || ch === "\n" || ch === "\r" || WHITESPACE.test(ch)) {
          out += " ";
          continue;
        }
        if (CONTROL.test(ch)) continue;
      }
      out += opts.handleChineseChars && isChineseChar(cp) ? ` ${ch} ` : ch;
    }
    if (opts.stripAccents) out = out.normalize("NFD").replace(COMBINING_MARK, "");
    if (opts.lowercase) out = out.toLowerCase();
    return out;
  };
}
