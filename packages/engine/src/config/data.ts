/**
 * Data preparation (`engine data prepare --config <file>`): sources, cleaning, mixing and packing into token shards.
 * Pure zod: safe for the light `@rlhf/engine/config` entry point. Every threshold is documented in the README.
 */
import { z } from "zod";

const fraction = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();

export const DataSourceConfigSchema = z.strictObject({
  /** Name used in the data card, in `mix.proportions` and for its work files. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "source names may use letters, digits, '_', '.' and '-'"),
  /** "text": plain UTF-8 files; "jsonl": one JSON object per line, the text in `field`. */
  type: z.enum(["text", "jsonl"]),
  /** A file or a folder (read recursively, in sorted order). */
  path: z.string().min(1),
  /** Text files: a document per file, per blank-line-separated paragraph, or per line. */
  split: z.enum(["file", "paragraph", "line"]).default("file"),
  /** JSONL: the field that holds the text. */
  field: z.string().min(1).default("text"),
  /** Folders: only files with these extensions (e.g. [".txt"]); empty means every file. */
  extensions: z.array(z.string()).default([]),
});

export const NearDedupConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Words per shingle. */
    shingleSize: positiveInt.default(5),
    numPermutations: positiveInt.default(128),
    /** LSH bands; rows per band = numPermutations / bands. 16 x 8 puts the S-curve's midpoint near Jaccard 0.7. */
    bands: positiveInt.default(16),
    /** Estimated Jaccard similarity at or above which a document is a near duplicate of an earlier one. */
    threshold: fraction.default(0.8),
    /** Memory for the index (signatures + band tables). When full, the oldest documents leave it (FIFO window). */
    memoryBudgetMB: z.number().positive().default(64),
  })
  .refine((c) => c.numPermutations % c.bands === 0, {
    message: "dedup.near.numPermutations must be a multiple of dedup.near.bands",
  });

export const QualityConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  minChars: z.number().int().min(0).default(100),
  maxChars: positiveInt.default(1_000_000),
  minWords: z.number().int().min(0).default(20),
  maxWords: positiveInt.default(200_000),
  /** Share of non-space characters that are symbols (Unicode S* and other non-letter, non-digit, non-punctuation). */
  maxSymbolRatio: fraction.default(0.25),
  /** Share of non-space characters that are digits. */
  maxDigitRatio: fraction.default(0.3),
  /** Share of non-empty lines that repeat an earlier line (Gopher: 0.3). */
  maxDuplicateLineFraction: fraction.default(0.3),
  /** Share of characters covered by the most frequent word n-gram, per n (Gopher: 0.20, 0.18, 0.16 for n = 2, 3, 4). */
  maxTopNgramFraction: z
    .record(z.string().regex(/^\d+$/), fraction)
    .default({ "2": 0.2, "3": 0.18, "4": 0.16 }),
  /**
   * Gibberish: share of the characters of ASCII words in words no language spells (letters only: no vowel, five
   * consonants in a row, or 30+ letters; mixed: 20+ characters, over 30% of them not letters or digits).
   */
  maxGibberishFraction: fraction.default(0.3),
  /** Boilerplate lines (case-insensitive regexes) are removed; a document made mostly of them is dropped. */
  boilerplatePatterns: z
    .array(z.string())
    .default([
      "cookie (policy|settings|preferences)",
      "accept (all )?cookies",
      "click here",
      "subscribe to (our|the) newsletter",
      "javascript (is|must be) (disabled|enabled)",
      "^\\s*(home|menu|log ?in|sign (in|up)|share|print)\\s*$",
    ]),
  maxBoilerplateLineFraction: fraction.default(0.5),
});

export const LanguageConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** ISO 639-1 codes to keep; empty keeps every language (detection still counts them in the data card). */
  allowed: z.array(z.string().length(2)).default([]),
  /** Texts shorter than this are too short to call and are kept as "und". */
  minChars: z.number().int().min(0).default(40),
});

export const PiiConfigSchema = z.strictObject({
  /** "redact": replace with <EMAIL>, <PHONE>, <IP_ADDRESS>, <CARD_NUMBER>; "drop": drop the document; "keep": count only. */
  action: z.enum(["redact", "drop", "keep"]).default("redact"),
  email: z.boolean().default(true),
  phone: z.boolean().default(true),
  ipAddress: z.boolean().default(true),
  /** Card numbers are only matched when the Luhn checksum holds. */
  cardNumber: z.boolean().default(true),
});

export const HarmfulCategorySchema = z.strictObject({
  name: z.string().min(1),
  /** Words or phrases, matched case-insensitively on word boundaries. */
  terms: z.array(z.string().min(1)).default([]),
  /** A file with more terms, one per line ("#" starts a comment). */
  termsFile: z.string().optional(),
  /** Drop the document when matches per 1000 words exceed this. */
  maxPerThousandWords: z.number().min(0).default(2),
});

export const HarmfulConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Small illustrative lists; supply real ones (termsFile) for production data. */
  categories: z.array(HarmfulCategorySchema).default([
    {
      name: "violence",
      terms: ["kill you", "shoot you", "behead", "massacre them", "make a bomb"],
      maxPerThousandWords: 2,
    },
    {
      name: "self_harm",
      terms: ["kill myself", "suicide method", "how to overdose"],
      maxPerThousandWords: 1,
    },
    { name: "sexual", terms: ["porn", "xxx", "nsfw", "nude pics"], maxPerThousandWords: 2 },
    { name: "hate", terms: ["subhuman", "vermin race", "ethnic cleansing now"], maxPerThousandWords: 1 },
  ]),
});

export const MixConfigSchema = z.strictObject({
  /** Target share of tokens per source name (normalised to sum 1); omit to keep the sources' natural sizes. */
  proportions: z.record(z.string(), z.number().min(0)).optional(),
  /** Tokens in the mix; defaults to the total clean tokens, so the mix is as large as the data. */
  totalTokens: positiveInt.optional(),
});

export const PackConfigSchema = z.strictObject({
  /** Tokens per training sequence; documents are joined with <|endoftext|> and cut at this length. */
  sequenceLength: positiveInt.default(1024),
  /** Share of sequences sent to the validation split (chosen per sequence with the seeded RNG). */
  validationFraction: fraction.default(0.05),
  sequencesPerShard: positiveInt.default(1024),
});

export const DataPrepareConfigSchema = z.strictObject({
  /** Output folder: shards, data-card.json, data-card.md, and work files for resuming. */
  output: z.string().min(1),
  seed: z.number().int().default(0),
  sources: z.array(DataSourceConfigSchema).min(1),
  normalize: z
    .strictObject({
      unicode: z.enum(["NFC", "NFKC", "none"]).default("NFC"),
      /** Trim line ends, collapse runs of spaces and tabs, at most one blank line in a row, drop control characters. */
      whitespace: z.boolean().default(true),
    })
    .prefault({}),
  dedup: z
    .strictObject({ exact: z.boolean().default(true), near: NearDedupConfigSchema.prefault({}) })
    .prefault({}),
  quality: QualityConfigSchema.prefault({}),
  language: LanguageConfigSchema.prefault({}),
  pii: PiiConfigSchema.prefault({}),
  harmful: HarmfulConfigSchema.prefault({}),
  mix: MixConfigSchema.prefault({}),
  /** "byte-level", "gpt2", "cl100k_base", or a path to a tokenizer.json. */
  tokenizer: z.string().min(1).default("byte-level"),
  pack: PackConfigSchema.prefault({}),
});
export type DataPrepareConfigInput = z.input<typeof DataPrepareConfigSchema>;
export type DataPrepareConfig = z.output<typeof DataPrepareConfigSchema>;
export type DataSourceConfig = z.output<typeof DataSourceConfigSchema>;
