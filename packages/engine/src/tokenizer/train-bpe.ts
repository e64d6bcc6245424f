/**
 * Byte-level BPE training. Ids: 0-255 are the bytes (id = byte value), then the special tokens, then one id per
 * learned merge, so a tokenizer with no merges is the plain byte-level tokenizer.
 */
import { BpeTokenizer } from "./bpe.js";
import { latin1, utf8Encode } from "./bytes.js";
import { learnMerges } from "./merge-trainer.js";
import {
  PRETOKENIZE_PATTERNS,
  specialTokenRegex,
  splitIsolated,
  splitOnSpecials,
  toJsRegex,
  type PatternName,
} from "./pretokenize.js";
import { TokenizerTrainConfigSchema, type TokenizerTrainConfigInput } from "../config/tokenizer.js";
import { DEFAULT_SPECIAL_TOKENS, tokenRecord } from "./types.js";

/**
 * Training options: the tokenizer config's fields (defaults from TokenizerTrainConfigSchema) and a progress callback,
 * which reports texts read while counting, then the vocabulary size after each merge (BPE, WordPiece) or each EM
 * round before pruning (Unigram, shrinking towards the target).
 */
export type TrainOptions = Omit<TokenizerTrainConfigInput, "kind"> & {
  onProgress?: (stage: "count" | "merge" | "prune", done: number) => void;
};

export function resolvePattern(pattern: PatternName | string): string {
  return Object.hasOwn(PRETOKENIZE_PATTERNS, pattern)
    ? PRETOKENIZE_PATTERNS[pattern as PatternName]
    : pattern;
}

/** Counts pre-tokenized words over a stream of texts; special-token strings in the text are skipped, not learned. */
export async function countWords(
  texts: AsyncIterable<string> | Iterable<string>,
  split: (text: string, onWord: (w: string) => void) => void,
  specialTokens: string[],
  onText?: (n: number) => void,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const specialRegex = specialTokenRegex(specialTokens);
  const onWord = (w: string) => counts.set(w, (counts.get(w) ?? 0) + 1);
  let n = 0;
  for await (const text of texts) {
    splitOnSpecials(
      text,
      specialRegex,
      (t) => split(t, onWord),
      () => {},
    );
    onText?.(++n);
  }
  return counts;
}

export async function trainBpe(
  texts: AsyncIterable<string> | Iterable<string>,
  opts: TrainOptions = {},
): Promise<BpeTokenizer> {
  const { onProgress, ...fields } = opts;
  const {
    vocabSize,
    minFrequency,
    pattern,
    specialTokens = DEFAULT_SPECIAL_TOKENS,
  } = TokenizerTrainConfigSchema.parse({ ...fields, kind: "bpe" });
  const rustPattern = resolvePattern(pattern);
  const base = 256 + specialTokens.length;
  if (vocabSize < base)
    throw new RangeError(
      `vocabSize ${vocabSize} is below the ${base} ids that 256 bytes and ${specialTokens.length} special tokens need`,
    );
  const regex = toJsRegex(rustPattern);
  const counts = await countWords(
    texts,
    (t, on) => splitIsolated(t, regex, on),
    specialTokens,
    (n) => onProgress?.("count", n),
  );

  const { tokens, specials } = byteVocabulary(specialTokens);
  const words: number[][] = [];
  const wordCounts: number[] = [];
  const scratch: number[] = [];
  for (const [word, count] of counts) {
    const n = utf8Encode(word, scratch);
    if (n < 2) continue;
    words.push(scratch.slice(0, n));
    wordCounts.push(count);
  }
  counts.clear();

  const idByBytes = new Map<string, number>();
  const merges = learnMerges({
    words,
    counts: wordCounts,
    minFrequency,
    isFull: () => tokens.length >= vocabSize,
    mergeId: (a, b) => {
      const bytes = new Uint8Array(tokens[a]!.length + tokens[b]!.length);
      bytes.set(tokens[a]!);
      bytes.set(tokens[b]!, tokens[a]!.length);
      const key = latin1(bytes);
      let id = idByBytes.get(key);
      if (id === undefined) {
        id = tokens.push(bytes) - 1;
        idByBytes.set(key, id);
      }
      return id;
    },
    onProgress: () => onProgress?.("merge", tokens.length),
  });
  return new BpeTokenizer({ tokens, merges, specialTokens: specials, pattern: rustPattern });
}

/** The byte-level tokenizer (256 byte ids + special tokens, no merges): a good default for tiny models. */
export function byteLevelTokenizer(specialTokens: string[] = DEFAULT_SPECIAL_TOKENS): BpeTokenizer {
  const { tokens, specials } = byteVocabulary(specialTokens);
  return new BpeTokenizer({
    tokens,
    merges: [],
    specialTokens: specials,
    pattern: PRETOKENIZE_PATTERNS.gpt2,
  });
}

function byteVocabulary(specialTokens: string[]): {
  tokens: (Uint8Array | undefined)[];
  specials: Record<string, number>;
} {
  const tokens: (Uint8Array | undefined)[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const specials = tokenRecord(specialTokens.map((s) => [s, tokens.push(undefined) - 1]));
  return { tokens, specials };
}
