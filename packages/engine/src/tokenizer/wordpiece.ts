/**
 * WordPiece (BERT-style, for the masked-LM encoder): words are split greedily into the longest pieces in the
 * vocabulary, continuation pieces carry the "##" prefix, and a word that cannot be spelled becomes the unknown token.
 * Training learns merges the way Hugging Face's WordPieceTrainer does (BPE over characters with "##" on
 * non-initial characters), then keeps the resulting vocabulary.
 */
import { learnMerges } from "./merge-trainer.js";
import { bertNormalizer, buildNormalizer, type Normalize, type NormalizerJson } from "./normalizers.js";
import { encodeWithSpecials, specialTokenRegex } from "./pretokenize.js";
import { TokenizerTrainConfigSchema } from "../config/tokenizer.js";
import { countWords, type TrainOptions } from "./train-bpe.js";
import { addedTokensJson, tokenRecord, TokenizerFormatError, type Tokenizer } from "./types.js";

export const WORDPIECE_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

export interface WordPieceSpec {
  vocab: string[];
  unkToken: string;
  prefix: string;
  maxInputCharsPerWord: number;
  specialTokens: Record<string, number>;
  normalizer: NormalizerJson;
  /** Decoder cleanup: glue punctuation and English contractions back on ("a , b" -> "a, b"). */
  cleanup: boolean;
}

interface WordPieceJson {
  normalizer?: NormalizerJson;
  pre_tokenizer?: { type: string } | null;
  decoder?: { type: string; cleanup?: boolean } | null;
  model: {
    vocab: Record<string, number>;
    unk_token?: string;
    continuing_subword_prefix?: string;
    max_input_chars_per_word?: number;
  };
}

const WHITESPACE = /\p{White_Space}/u;
/** HF BertPreTokenizer isolates ASCII punctuation (which includes symbols such as $ + < = > ^ ` | ~) and Unicode P*. */
const PUNCTUATION = /[!-/:-@[-`{-~\p{P}]/u;

/** BertPreTokenizer: split on whitespace (dropped) and isolate every punctuation character. */
export function bertPreTokenize(text: string, onWord: (w: string) => void): void {
  let word = "";
  for (const ch of text) {
    if (WHITESPACE.test(ch)) {
      if (word) onWord(word);
      word = "";
    } else if (PUNCTUATION.test(ch)) {
      if (word) onWord(word);
      onWord(ch);
      word = "";
    } else {
      word += ch;
    }
  }
  if (word) onWord(word);
}

export class WordPieceTokenizer implements Tokenizer {
  readonly kind = "wordpiece" as const;
  readonly vocabSize: number;
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly spec: WordPieceSpec;
  private readonly ids = new Map<string, number>();
  private readonly unkId: number;
  private readonly normalize: Normalize | undefined;
  private readonly specialRegex: RegExp | undefined;
  private readonly specialIds: Set<number>;
  private readonly cache = new Map<string, number[]>();

  constructor(spec: WordPieceSpec) {
    this.spec = spec;
    spec.vocab.forEach((t, i) => this.ids.set(t, i));
    this.specialTokens = tokenRecord(Object.entries(spec.specialTokens));
    for (const [content, id] of Object.entries(spec.specialTokens)) {
      if (spec.vocab[id] !== content)
        throw new TokenizerFormatError(
          `added token ${JSON.stringify(content)} has id ${id}, but the vocabulary has ${JSON.stringify(spec.vocab[id])} there`,
        );
    }
    const unk = this.ids.get(spec.unkToken);
    if (unk === undefined)
      throw new TokenizerFormatError(
        `unknown token ${JSON.stringify(spec.unkToken)} is not in the vocabulary`,
      );
    this.unkId = unk;
    this.vocabSize = spec.vocab.length;
    this.normalize = buildNormalizer(spec.normalizer);
    this.specialRegex = specialTokenRegex(Object.keys(spec.specialTokens));
    this.specialIds = new Set(Object.values(spec.specialTokens));
  }

  static fromJson(json: WordPieceJson, specials: Record<string, number>): WordPieceTokenizer {
    if (json.pre_tokenizer && json.pre_tokenizer.type !== "BertPreTokenizer") {
      throw new TokenizerFormatError(
        `WordPiece pre_tokenizer ${JSON.stringify(json.pre_tokenizer.type)} is not supported (supported: BertPreTokenizer)`,
      );
    }
    const vocab: string[] = [];
    for (const [token, id] of Object.entries(json.model.vocab)) vocab[id] = token;
    const hole = vocab.findIndex((t) => t === undefined);
    if (hole >= 0) throw new TokenizerFormatError(`WordPiece vocabulary has no token with id ${hole}`);
    return new WordPieceTokenizer({
      vocab,
      unkToken: json.model.unk_token ?? "[UNK]",
      prefix: json.model.continuing_subword_prefix ?? "##",
      maxInputCharsPerWord: json.model.max_input_chars_per_word ?? 100,
      specialTokens: specials,
      normalizer: json.normalizer ?? null,
      cleanup: json.decoder?.cleanup !== false,
    });
  }

  encode(text: string): number[] {
    return encodeWithSpecials(text, this.specialRegex, this.specialTokens, (t, out) =>
      this.encodeText(t, out),
    );
  }

  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    this.encodeText(text, out);
    return out;
  }

  /** Same text as Hugging Face's WordPiece decoder: pieces joined by spaces, "##" pieces glued to the previous one. */
  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    let out = "";
    let first = true;
    for (let i = 0; i < ids.length; i++) {
      const token = this.spec.vocab[ids[i]];
      if (token === undefined)
        throw new RangeError(`decode: id ${ids[i]} is not in the vocabulary (size ${this.vocabSize})`);
      if (opts.skipSpecialTokens && this.specialIds.has(ids[i])) continue;
      const piece = token.startsWith(this.spec.prefix)
        ? token.slice(this.spec.prefix.length)
        : (first ? "" : " ") + token;
      // Like the reference decoder, cleanup applies to each piece, so only a space before . ? ! , is ever removed.
      out += this.spec.cleanup ? cleanupTokenization(piece) : piece;
      first = false;
    }
    return out;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.spec.vocab[id];
  }

  toJSON(): string {
    const vocab = tokenRecord(this.spec.vocab.map((t, i) => [t, i]));
    return JSON.stringify({
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: addedTokensJson(this.specialTokens),
      normalizer: this.spec.normalizer,
      pre_tokenizer: { type: "BertPreTokenizer" },
      post_processor: null,
      decoder: { type: "WordPiece", prefix: this.spec.prefix, cleanup: this.spec.cleanup },
      model: {
        type: "WordPiece",
        unk_token: this.spec.unkToken,
        continuing_subword_prefix: this.spec.prefix,
        max_input_chars_per_word: this.spec.maxInputCharsPerWord,
        vocab,
      },
    });
  }

  private encodeText(text: string, out: number[]): void {
    bertPreTokenize(this.normalize ? this.normalize(text) : text, (word) => {
      let ids = this.cache.get(word);
      if (!ids) {
        ids = this.encodeWord(word);
        if (this.cache.size >= 200_000) this.cache.clear();
        this.cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    });
  }

  private encodeWord(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.spec.maxInputCharsPerWord) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      for (; end > start; end--) {
        const piece = (start > 0 ? this.spec.prefix : "") + chars.slice(start, end).join("");
        found = this.ids.get(piece);
        if (found !== undefined) break;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}

function cleanupTokenization(s: string): string {
  return s
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Trains on a stream of texts; the unknown token is "[UNK]", which must be among the special tokens. */
export async function trainWordPiece(
  texts: AsyncIterable<string> | Iterable<string>,
  opts: TrainOptions = {},
): Promise<WordPieceTokenizer> {
  const { onProgress, ...fields } = opts;
  const {
    vocabSize,
    minFrequency,
    lowercase,
    limitAlphabet,
    specialTokens = WORDPIECE_SPECIAL_TOKENS,
  } = TokenizerTrainConfigSchema.parse({ ...fields, kind: "wordpiece" });
  const unkToken = "[UNK]";
  if (!specialTokens.includes(unkToken))
    throw new RangeError(
      `the unknown token ${JSON.stringify(unkToken)} must be one of the special tokens ${JSON.stringify(specialTokens)}`,
    );
  const prefix = "##";
  const normalizerJson = {
    type: "BertNormalizer",
    clean_text: true,
    handle_chinese_chars: true,
    strip_accents: false,
    lowercase,
  };
  const normalize = bertNormalizer({
    cleanText: true,
    handleChineseChars: true,
    stripAccents: false,
    lowercase,
  });
  const counts = await countWords(
    texts,
    (t, on) => bertPreTokenize(normalize(t), on),
    specialTokens,
    (n) => onProgress?.("count", n),
  );

  const charCounts = new Map<string, number>();
  for (const [word, c] of counts) for (const ch of word) charCounts.set(ch, (charCounts.get(ch) ?? 0) + c);
  const alphabet = [...charCounts.entries()]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, limitAlphabet)
    .map(([ch]) => ch)
    .sort();

  const vocab = [...specialTokens];
  const ids = new Map<string, number>(vocab.map((t, i) => [t, i]));
  const idOf = (token: string) => ids.get(token) ?? (ids.set(token, vocab.push(token) - 1), vocab.length - 1);
  for (const ch of alphabet) idOf(ch);
  for (const ch of alphabet) idOf(prefix + ch);

  const known = new Set(alphabet);
  const words: number[][] = [];
  const wordCounts: number[] = [];
  for (const [word, c] of counts) {
    const chars = Array.from(word);
    if (!chars.every((ch) => known.has(ch))) continue;
    words.push(chars.map((ch, i) => idOf(i === 0 ? ch : prefix + ch)));
    wordCounts.push(c);
  }
  if (vocab.length > vocabSize)
    throw new RangeError(
      `vocabSize ${vocabSize} is below the ${vocab.length} tokens the special tokens and the alphabet need; raise it or lower limitAlphabet`,
    );
  learnMerges({
    words,
    counts: wordCounts,
    minFrequency,
    isFull: () => vocab.length >= vocabSize,
    mergeId: (a, b) => idOf(vocab[a] + vocab[b].slice(prefix.length)),
    onProgress: () => onProgress?.("merge", vocab.length),
  });
  const specials = tokenRecord(specialTokens.map((t, i) => [t, i]));
  return new WordPieceTokenizer({
    vocab,
    unkToken,
    prefix,
    maxInputCharsPerWord: 100,
    specialTokens: specials,
    normalizer: normalizerJson,
    cleanup: true,
  });
}
