/** Tokenizer training (`engine tokenizer train`). Pure zod: safe for the light `@rlhf/engine/config` entry point. */
import { z } from "zod";

export const TokenizerTrainConfigSchema = z.strictObject({
  /** "bpe": byte-level BPE for decoders; "wordpiece": BERT-style pieces for the masked-LM encoder. */
  kind: z.enum(["bpe", "wordpiece"]).default("bpe"),
  /** Ids in total, special tokens included (BPE: 256 bytes + specials + merges). */
  vocabSize: z.number().int().positive().default(8192),
  /** A pair seen fewer times than this is never merged. */
  minFrequency: z.number().int().positive().default(2),
  /** Defaults: BPE `<|endoftext|> <|im_start|> <|im_end|> <pad> <mask>`; WordPiece `[PAD] [UNK] [CLS] [SEP] [MASK]`. */
  specialTokens: z.array(z.string().min(1)).optional(),
  /** BPE pre-tokenization: "gpt2", "cl100k", or a regex in Rust/Oniguruma spelling. */
  pattern: z.string().min(1).default("gpt2"),
  /** WordPiece: lowercase in the normalizer (uncased model). */
  lowercase: z.boolean().default(false),
  /** WordPiece: keep this many of the most frequent characters; rarer ones make their word the unknown token. */
  limitAlphabet: z.number().int().positive().default(1000),
});
export type TokenizerTrainConfigInput = z.input<typeof TokenizerTrainConfigSchema>;
export type TokenizerTrainConfig = z.output<typeof TokenizerTrainConfigSchema>;
