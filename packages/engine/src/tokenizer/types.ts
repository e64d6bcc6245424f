/** What the trainer, the data pipeline and the chat template need from a tokenizer, whatever its model. */
export interface Tokenizer {
  readonly kind: "bpe" | "wordpiece" | "unigram";
  /** Number of ids, special tokens included: every id is below this. */
  readonly vocabSize: number;
  /** Special (added) tokens by content, e.g. {"<|endoftext|>": 256}; a null-prototype record (see tokenRecord). */
  readonly specialTokens: Readonly<Record<string, number>>;
  /** Encodes like the Hugging Face `tokenizers` package: special-token strings in the text become their ids. */
  encode(text: string): number[];
  /** Encodes special-token strings as plain text, so untrusted text cannot inject a document boundary or a role marker. */
  encodeOrdinary(text: string): number[];
  decode(ids: ArrayLike<number>, opts?: { skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Hugging Face tokenizer.json text. */
  toJSON(): string;
}

/** Special tokens the engine's own tokenizers reserve by default. */
export const SPECIAL_TOKENS = {
  endOfText: "<|endoftext|>",
  imStart: "<|im_start|>",
  imEnd: "<|im_end|>",
  pad: "<pad>",
  mask: "<mask>",
} as const;

export const DEFAULT_SPECIAL_TOKENS: string[] = Object.values(SPECIAL_TOKENS);

/**
 * A token -> id record without a prototype: a token named `constructor`, `toString` or `__proto__` is an ordinary key,
 * never an inherited property, both when looked up and when written.
 */
export function tokenRecord(entries: Iterable<readonly [string, number]> = []): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const [token, id] of entries) out[token] = id;
  return out;
}

export class TokenizerFormatError extends Error {
  constructor(detail: string) {
    super(`tokenizer.json: ${detail}`);
    this.name = "TokenizerFormatError";
  }
}

/** HF `added_tokens` entry as we write it: special, matched verbatim, never normalized. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export function addedTokensJson(specials: Readonly<Record<string, number>>): AddedTokenJson[] {
  return Object.entries(specials)
    .sort((a, b) => a[1] - b[1])
    .map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
}
