/** Tokenizer training (`engine tokenizer train`). Pure zod: safe for the light `@rlhf/engine/config` entry point. */
import { z } from "zod";

export const TokenizerTrainConfigSchema = z.strictObject({
  /**
   * "bpe": byte-level BPE for decoders; "wordpiece": BERT-style pieces for the masked-LM encoder; "unigram":
   * SentencePiece-style unigram language model with Metaspace ("▁") word boundaries.
   */
  kind: z.enum(["bpe", "wordpiece", "unigram"]).default("bpe"),
  /** Ids in total, special tokens included (BPE: 256 bytes + specials + merges). */
  vocabSize: z.number().int().positive().default(8192),
  /** A pair seen fewer times than this is never merged. */
  minFrequency: z.number().int().positive().default(2),
  /**
   * Defaults: BPE and Unigram `<|endoftext|> <|im_start|> <|im_end|> <pad> <mask>` (Unigram adds its unknown token);
   * WordPiece `[PAD] [UNK] [CLS] [SEP] [MASK]`.
   */
  specialTokens: z.array(z.string().min(1)).optional(),
  /** BPE pre-tokenization: "gpt2", "cl100k", or a regex in Rust/Oniguruma spelling. */
  pattern: z.string().min(1).default("gpt2"),
  /** WordPiece: lowercase in the normalizer (uncased model). */
  lowercase: z.boolean().default(false),
  /** WordPiece: keep this many of the most frequent characters; rarer ones make their word the unknown token. */
  limitAlphabet: z.number().int().positive().default(1000),
  /** Unigram: the token for characters the vocabulary cannot spell (added to the special tokens if not listed). */
  unkToken: z.string().min(1).default("<unk>"),
  /** Unigram: spell unknown characters as their UTF-8 bytes with 256 "<0xXX>" pieces instead of the unknown token. */
  byteFallback: z.boolean().default(false),
  /** Unigram: longest piece, in characters. */
  maxPieceLength: z.number().int().positive().default(16),
  /** Unigram: each pruning round keeps this share of the pieces (or 110% of the target, whichever is more). */
  shrinkingFactor: z.number().gt(0).lt(1).default(0.75),
  /** Unigram: EM rounds between two prunings. */
  subIterations: z.number().int().positive().default(2),
  /** Unigram: characters plus the most frequent substrings that seed the vocabulary. */
  seedSize: z.number().int().positive().default(1_000_000),
});
export type TokenizerTrainConfigInput = z.input<typeof TokenizerTrainConfigSchema>;
export type TokenizerTrainConfig = z.output<typeof TokenizerTrainConfigSchema>;
