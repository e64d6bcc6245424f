/**
 * GPT-2 (r50k_base) and GPT-4 (cl100k_base) vocabularies, from the rank tables the gpt-tokenizer package ships.
 * tiktoken merges whichever adjacent pair forms the lowest-ranked token; listing every split of every token as a merge
 * with the token's rank reproduces that rule exactly in our rank-based encoder.
 */
import { BpeTokenizer } from "./bpe.js";
import { latin1 } from "./bytes.js";
import { PRETOKENIZE_PATTERNS } from "./pretokenize.js";
import { tokenRecord } from "./types.js";

const VOCABULARIES = {
  gpt2: {
    ranks: () => import("gpt-tokenizer/bpeRanks/r50k_base"),
    pattern: PRETOKENIZE_PATTERNS.gpt2,
    specials: { "<|endoftext|>": 50256 },
  },
  cl100k_base: {
    ranks: () => import("gpt-tokenizer/bpeRanks/cl100k_base"),
    pattern: PRETOKENIZE_PATTERNS.cl100k,
    specials: {
      "<|endoftext|>": 100257,
      "<|fim_prefix|>": 100258,
      "<|fim_middle|>": 100259,
      "<|fim_suffix|>": 100260,
      "<|endofprompt|>": 100276,
    },
  },
} as const;

export type PretrainedVocabulary = keyof typeof VOCABULARIES;

export async function loadPretrainedVocabulary(name: PretrainedVocabulary): Promise<BpeTokenizer> {
  const source = Object.hasOwn(VOCABULARIES, name) ? VOCABULARIES[name] : undefined;
  if (!source)
    throw new RangeError(
      `unknown vocabulary ${JSON.stringify(name)} (known: ${Object.keys(VOCABULARIES).join(", ")})`,
    );
  const ranks = (await source.ranks()).default as (string | number[])[];
  const encoder = new TextEncoder();
  const tokens: (Uint8Array | undefined)[] = ranks.map((t) =>
    typeof t === "string" ? encoder.encode(t) : Uint8Array.from(t),
  );
  const keys = tokens.map((b) => latin1(b!));
  const idByBytes = new Map<string, number>(keys.map((k, id) => [k, id]));
  const merges: [number, number][] = [];
  const mergeRanks: number[] = [];
  keys.forEach((key, id) => {
    for (let k = 1; k < key.length; k++) {
      const left = idByBytes.get(key.slice(0, k));
      const right = idByBytes.get(key.slice(k));
      if (left !== undefined && right !== undefined) {
        merges.push([left, right]);
        mergeRanks.push(id);
      }
    }
  });
  return new BpeTokenizer({
    tokens,
    merges,
    ranks: mergeRanks,
    specialTokens: tokenRecord(Object.entries(source.specials)),
    pattern: source.pattern,
    ignoreMerges: true,
  });
}
