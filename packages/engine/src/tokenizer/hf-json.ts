/**
 * Reads Hugging Face tokenizer.json: byte-level BPE (GPT-2, RoBERTa, Llama 3, our own), WordPiece (BERT) and Unigram
 * (SentencePiece style: T5, XLM-R, our own).
 * Anything else is refused with the field that is not supported, rather than loaded into a tokenizer that would
 * silently give different ids.
 */
import { readFileSync } from "node:fs";
import { BpeTokenizer } from "./bpe.js";
import { unicodeToBytes } from "./bytes.js";
import { PRETOKENIZE_PATTERNS } from "./pretokenize.js";
import { tokenRecord, TokenizerFormatError, type Tokenizer } from "./types.js";
import { UnigramTokenizer } from "./unigram.js";
import { WordPieceTokenizer } from "./wordpiece.js";

interface TokenizerJson {
  added_tokens?: { id: number; content: string }[];
  normalizer?: { type: string; [k: string]: unknown } | null;
  pre_tokenizer?: { type: string; [k: string]: unknown } | null;
  model: {
    type?: string;
    vocab: Record<string, number> | [string, number][];
    merges?: (string | [string, string])[];
    [k: string]: unknown;
  };
}

/** Accepts a path to tokenizer.json or its JSON text. */
export function loadTokenizer(pathOrJson: string): Tokenizer {
  const text = pathOrJson.trimStart().startsWith("{") ? pathOrJson : readFileSync(pathOrJson, "utf8");
  let json: TokenizerJson;
  try {
    json = JSON.parse(text) as TokenizerJson;
  } catch (err) {
    throw new TokenizerFormatError(`not valid JSON: ${(err as Error).message}`);
  }
  if (!json.model || typeof json.model.vocab !== "object")
    throw new TokenizerFormatError("missing model.vocab");
  const specials = tokenRecord((json.added_tokens ?? []).map((t) => [t.content, t.id]));
  const type = json.model.type ?? (json.model.merges ? "BPE" : undefined);
  if (type === "BPE") return bpeFromJson(json, specials);
  if (type === "Unigram")
    return UnigramTokenizer.fromJson(
      json as unknown as Parameters<typeof UnigramTokenizer.fromJson>[0],
      specials,
    );
  if (type === "WordPiece")
    return WordPieceTokenizer.fromJson(
      json as unknown as Parameters<typeof WordPieceTokenizer.fromJson>[0],
      specials,
    );
  throw new TokenizerFormatError(
    `model.type ${JSON.stringify(type)} is not supported (supported: BPE with byte-level pre-tokenization, WordPiece, Unigram)`,
  );
}

function bpeFromJson(json: TokenizerJson, specials: Record<string, number>): BpeTokenizer {
  for (const field of [
    "byte_fallback",
    "continuing_subword_prefix",
    "end_of_word_suffix",
    "dropout",
  ] as const) {
    const v = json.model[field];
    // Converters write "" for "no prefix/suffix"; the Rust library treats it the same as null.
    if (v !== undefined && v !== null && v !== false && v !== "")
      throw new TokenizerFormatError(
        `model.${field} = ${JSON.stringify(v)} is not supported (byte-level BPE only)`,
      );
  }
  const { pattern, addPrefixSpace } = parseByteLevelPreTokenizer(json.pre_tokenizer ?? null);
  const tokens: (Uint8Array | undefined)[] = [];
  const idByToken = new Map<string, number>();
  for (const [token, id] of Object.entries(json.model.vocab)) {
    idByToken.set(token, id);
    if (Object.hasOwn(specials, token)) continue;
    const bytes = unicodeToBytes(token);
    if (!bytes)
      throw new TokenizerFormatError(
        `vocabulary token ${JSON.stringify(token)} (id ${id}) is not in the byte-level alphabet`,
      );
    tokens[id] = bytes;
  }
  for (let id = 0; id < tokens.length; id++) tokens[id] ??= undefined;
  const merges = (json.model.merges ?? []).map((m, i): [number, number] => {
    const [a, b] = typeof m === "string" ? splitMergeString(m, i) : m;
    const ia = idByToken.get(a);
    const ib = idByToken.get(b);
    if (ia === undefined || ib === undefined)
      throw new TokenizerFormatError(
        `merge ${i} ${JSON.stringify(m)} uses a token that is not in the vocabulary`,
      );
    return [ia, ib];
  });
  return new BpeTokenizer({
    tokens,
    merges,
    specialTokens: specials,
    pattern,
    addPrefixSpace,
    ignoreMerges: json.model.ignore_merges === true,
    normalizer: json.normalizer ?? null,
    unkToken: typeof json.model.unk_token === "string" ? json.model.unk_token : undefined,
    fuseUnk: json.model.fuse_unk === true,
  });
}

function splitMergeString(m: string, i: number): [string, string] {
  const space = m.indexOf(" ", 1);
  if (space < 0) throw new TokenizerFormatError(`merge ${i} ${JSON.stringify(m)} is not "left right"`);
  return [m.slice(0, space), m.slice(space + 1)];
}

type PreTokenizerJson = { type: string; [k: string]: unknown } | null;

/** ByteLevel alone (its own GPT-2 regex) or Sequence[Split(regex, Isolated), ByteLevel(use_regex: false)]. */
function parseByteLevelPreTokenizer(pre: PreTokenizerJson): { pattern: string; addPrefixSpace: boolean } {
  if (pre?.type === "ByteLevel") {
    if (pre.use_regex === false)
      throw new TokenizerFormatError(
        "pre_tokenizer ByteLevel without use_regex and without a Split is not supported",
      );
    return { pattern: PRETOKENIZE_PATTERNS.gpt2, addPrefixSpace: pre.add_prefix_space === true };
  }
  if (pre?.type === "Sequence") {
    const [split, byteLevel, ...rest] = pre.pretokenizers as PreTokenizerJson[];
    const regex = (split?.pattern as { Regex?: string } | undefined)?.Regex;
    if (
      split?.type === "Split" &&
      regex !== undefined &&
      split.behavior === "Isolated" &&
      split.invert !== true &&
      byteLevel?.type === "ByteLevel" &&
      byteLevel.use_regex === false &&
      rest.length === 0
    ) {
      return { pattern: regex, addPrefixSpace: byteLevel.add_prefix_space === true };
    }
  }
  throw new TokenizerFormatError(
    `pre_tokenizer ${JSON.stringify(pre)} is not supported (expected ByteLevel, or Sequence of Split{Regex, Isolated} and ByteLevel{use_regex: false})`,
  );
}
