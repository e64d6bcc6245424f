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
  /**
   * "text": plain UTF-8 files; "jsonl": one JSON object per line, the text in `field`; "parquet": a column `field`
   * (the Hugging Face datasets layout), read a row group at a time; "wikipedia": a MediaWiki XML dump, one document per
   * article; "warc": Common Crawl WARC (HTML responses) or WET (extracted text) records. Files ending in .gz or
   * .zst/.zstd are decompressed as they stream (text, jsonl, wikipedia, warc).
   */
  type: z.enum(["text", "jsonl", "parquet", "wikipedia", "warc"]),
  /** A file or a folder (read recursively, in sorted order). */
  path: z.string().min(1),
  /** Text files: a document per file, per blank-line-separated paragraph, or per line. */
  split: z.enum(["file", "paragraph", "line"]).default("file"),
  /** JSONL: the field that holds the text; Parquet: the column. */
  field: z.string().min(1).default("text"),
  /** Folders: only files with these extensions (e.g. [".txt"]); empty means every file. */
  extensions: z.array(z.string()).default([]),
  /** JSONL and Parquet: the field (column) that holds the document's URL, when there is one. */
  urlField: z.string().min(1).default("url"),
  /**
   * A line or document longer than this is skipped (reported as a bad line) as it streams, before decoding or
   * normalisation, so memory stays flat whatever the input. 4 MB holds the quality filter's 1,000,000 characters.
   */
  maxDocumentBytes: positiveInt.default(4_000_000),
});

export const NearDedupConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Words per shingle. */
    shingleSize: positiveInt.default(5),
    numPermutations: positiveInt.default(128),
    /**
     * LSH bands; rows per band = numPermutations / bands. 32 x 4 makes a pair at Jaccard 0.7 a candidate with
     * probability 0.9998 (0.13 at 0.3), so the signature check below, not LSH, decides near the threshold.
     */
    bands: positiveInt.default(32),
    /** Estimated Jaccard similarity at or above which a document is a near duplicate of an earlier one (text-dedup). */
    threshold: fraction.default(0.7),
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
  /**
   * Gibberish: share of the characters of ASCII words in words no language spells (letters only: no vowel, five
   * consonants in a row, or 30+ letters; mixed: 20+ characters, over 30% of them not letters or digits).
   */
  maxGibberishFraction: fraction.default(0.3),
  /**
   * Boilerplate lines (case-insensitive regexes) are removed; a document whose characters are mostly in them is
   * dropped (by characters, not lines: six short navigation lines do not outweigh one long paragraph).
   */
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
  maxBoilerplateCharFraction: fraction.default(0.5),
});

const ngramLimits = z.record(z.string().regex(/^\d+$/), fraction);

/** The published rule sets, each its own stage; thresholds default to datatrove's implementation. */
export const RulesConfigSchema = z.strictObject({
  /** Gopher quality (Rae et al. 2021, table A1): length, word length, symbols, bullets, ellipses, letters, stop words. */
  gopherQuality: z
    .strictObject({
      enabled: z.boolean().default(false),
      minDocWords: z.number().int().min(0).default(50),
      maxDocWords: positiveInt.default(100_000),
      minAvgWordLength: z.number().min(0).default(3),
      maxAvgWordLength: z.number().positive().default(10),
      /** "#" and ellipses, each per word. */
      maxSymbolWordRatio: fraction.default(0.1),
      maxBulletLinesRatio: fraction.default(0.9),
      maxEllipsisLinesRatio: fraction.default(0.3),
      /** At least this share of words has a letter (datatrove's max_non_alpha_words_ratio). */
      minAlphaWordsRatio: fraction.default(0.8),
      minStopWords: z.number().int().min(0).default(2),
      stopWords: z.array(z.string()).default(["the", "be", "to", "of", "and", "that", "have", "with"]),
    })
    .prefault({}),
  /** Gopher repetition: duplicate paragraphs and lines (by count and by characters), top and duplicated n-grams. */
  gopherRepetition: z
    .strictObject({
      enabled: z.boolean().default(true),
      duplicateLineFraction: fraction.default(0.3),
      duplicateParagraphFraction: fraction.default(0.3),
      duplicateLineCharFraction: fraction.default(0.2),
      duplicateParagraphCharFraction: fraction.default(0.2),
      /** Characters covered by the most frequent n-gram, per n. */
      topNgramCharFraction: ngramLimits.default({ "2": 0.2, "3": 0.18, "4": 0.16 }),
      /** Characters in n-grams that repeat an earlier one, per n. */
      duplicateNgramCharFraction: ngramLimits.default({
        "5": 0.15,
        "6": 0.14,
        "7": 0.13,
        "8": 0.12,
        "9": 0.11,
        "10": 0.1,
      }),
    })
    .prefault({}),
  /** C4: line filters (terminal punctuation, short lines, javascript, policy notices) and page filters. */
  c4: z
    .strictObject({
      enabled: z.boolean().default(false),
      removeCitations: z.boolean().default(true),
      filterNoTerminalPunct: z.boolean().default(true),
      minSentences: z.number().int().min(0).default(5),
      minWordsPerLine: z.number().int().min(0).default(3),
      maxWordLength: positiveInt.default(1000),
      filterLoremIpsum: z.boolean().default(true),
      filterJavascript: z.boolean().default(true),
      filterCurlyBracket: z.boolean().default(true),
      filterPolicy: z.boolean().default(true),
    })
    .prefault({}),
  /** FineWeb: share of lines ending in punctuation, share of short lines, duplicated line characters, list-likeness. */
  fineweb: z
    .strictObject({
      enabled: z.boolean().default(false),
      lineEndPunctuationMin: fraction.default(0.12),
      lineEndPunctuationExcludeZero: z.boolean().default(false),
      shortLineLength: positiveInt.default(30),
      shortLineMax: fraction.default(0.67),
      charDuplicatesMax: fraction.default(0.01),
      /** Newlines per word. */
      newlineRatioMax: z.number().positive().default(0.3),
    })
    .prefault({}),
});

export const UrlConfigSchema = z.strictObject({
  /** Domains to drop (subdomains included), e.g. from the UT1 blocklist that FineWeb uses. */
  blocklist: z.array(z.string().min(1)).default([]),
  /** A file with more domains, one per line ("#" starts a comment). */
  blocklistFile: z.string().optional(),
  /** Drop documents whose URL field is present but cannot be parsed. */
  dropInvalid: z.boolean().default(false),
});

export const LanguageConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** ISO 639-1 codes to keep; empty keeps every language (detection still counts them in the data card). */
  allowed: z.array(z.string().length(2)).default([]),
  /** Texts shorter than this are too short to call and are kept as "und". */
  minChars: z.number().int().min(0).default(40),
  /**
   * With `allowed` set, a document whose detection confidence is below this is dropped as "language_low_confidence"
   * (as FineWeb drops fastText scores below 0.65). The confidence is the best language's margin over the runner-up
   * (langid.ts): about 0.2-0.3 for ordinary sentences, under 0.1 for text too short to call. The data card lists the
   * mean per language.
   */
  minConfidence: fraction.default(0),
});

export const PiiConfigSchema = z.strictObject({
  /**
   * "redact": replace with <EMAIL>, <PHONE>, <IP_ADDRESS>, <CARD_NUMBER>, <IBAN>, <SSN>; "drop": drop the document;
   * "keep": count only.
   */
  action: z.enum(["redact", "drop", "keep"]).default("redact"),
  email: z.boolean().default(true),
  phone: z.boolean().default(true),
  ipAddress: z.boolean().default(true),
  /** Card numbers are only matched when the Luhn checksum holds. */
  cardNumber: z.boolean().default(true),
  /** IBANs are only matched when the mod-97 check holds. */
  iban: z.boolean().default(true),
  /** US social security numbers written ddd-dd-dddd, with an area that can be issued (not 000, 666 or 9xx). */
  ssn: z.boolean().default(true),
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
    // Not a bare "xxx": it is the usual placeholder ("replace xxx with your API key").
    {
      name: "sexual",
      terms: ["porn", "xxx videos", "xxx porn", "nsfw", "nude pics"],
      maxPerThousandWords: 2,
    },
    { name: "hate", terms: ["subhuman", "vermin race", "ethnic cleansing now"], maxPerThousandWords: 1 },
  ]),
  /**
   * A text classifier trained by `engine data train-classifier` on a labelled JSONL file (format in
   * src/data/classifier.ts): a document goes when a harmful label's probability reaches `threshold`.
   */
  classifier: z.strictObject({ path: z.string().min(1), threshold: fraction.default(0.5) }).optional(),
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
    .strictObject({
      exact: z.boolean().default(true),
      /** Dolma-style: drop each paragraph (blank-line separated) already seen in an earlier document. */
      paragraphs: z.boolean().default(false),
      near: NearDedupConfigSchema.prefault({}),
    })
    .prefault({}),
  quality: QualityConfigSchema.prefault({}),
  rules: RulesConfigSchema.prefault({}),
  language: LanguageConfigSchema.prefault({}),
  url: UrlConfigSchema.prefault({}),
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
