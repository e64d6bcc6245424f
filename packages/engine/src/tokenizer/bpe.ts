/**
 * Byte-level BPE encoder/decoder. Our own vocabularies hold every byte, so any input encodes without an unknown token;
 * a vocabulary trained without the full byte alphabet (the Rust trainer's default) maps a missing byte to its unknown
 * token, or drops it when it has none, as the Rust library does. Merges are applied by rank (lowest first, leftmost
 * on ties), the rule shared by tiktoken and Hugging Face tokenizers.
 * Encodings are cached per pre-tokenized word: real text repeats words, so most words skip BPE entirely.
 */
import { bytesToUnicode, latin1, unicodeToBytes, utf8Decode, utf8Encode } from "./bytes.js";
import type { Normalize, NormalizerJson } from "./normalizers.js";
import { buildNormalizer } from "./normalizers.js";
import { encodeWithSpecials, specialTokenRegex, splitIsolated, toJsRegex } from "./pretokenize.js";
import { addedTokensJson, tokenRecord, TokenizerFormatError, type Tokenizer } from "./types.js";

/** Ids and ranks stay below 2^21, so a pair of them packs into one float64 exactly. */
const ID_LIMIT = 2 ** 21;
const CACHE_LIMIT = 200_000;

export interface BpeSpec {
  /** Bytes of each non-special token, indexed by id; special ids are holes. */
  tokens: (Uint8Array | undefined)[];
  /** Merge pairs of ids; a merge's rank is `ranks[i]` when given, else its index (Hugging Face merges order). */
  merges: [number, number][];
  ranks?: number[];
  specialTokens: Record<string, number>;
  /** Pre-tokenization regex in Rust spelling (see PRETOKENIZE_PATTERNS). */
  pattern: string;
  /** Use a word's own id when the whole word is a token (tiktoken's rule; `ignore_merges` in tokenizer.json). */
  ignoreMerges?: boolean;
  addPrefixSpace?: boolean;
  normalizer?: NormalizerJson;
  /** Token (in the byte alphabet, or special) standing for a byte the vocabulary lacks; without one the byte is dropped. */
  unkToken?: string;
  /** Consecutive missing bytes become one unknown token. */
  fuseUnk?: boolean;
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = "bpe" as const;
  readonly vocabSize: number;
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly spec: BpeSpec;
  private readonly regex: RegExp;
  private readonly specialRegex: RegExp | undefined;
  private readonly normalize: Normalize | undefined;
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** pair key (a * ID_LIMIT + b) -> rank * ID_LIMIT + merged id */
  private readonly pairs = new Map<number, number>();
  /** token bytes as a latin-1 string -> id, for ignoreMerges and tokenToId */
  private readonly byBytes = new Map<string, number>();
  private readonly specialById = new Map<number, string>();
  private readonly cache = new Map<string, number[]>();
  private readonly scratch: number[] = [];
  private readonly unkId: number | undefined;

  constructor(spec: BpeSpec) {
    this.spec = spec;
    this.specialTokens = tokenRecord(Object.entries(spec.specialTokens));
    let size = spec.tokens.length;
    for (const [content, id] of Object.entries(spec.specialTokens)) {
      if (spec.tokens[id] !== undefined)
        throw new TokenizerFormatError(
          `special token ${JSON.stringify(content)} reuses id ${id} of an ordinary token`,
        );
      this.specialById.set(id, content);
      size = Math.max(size, id + 1);
    }
    this.vocabSize = size;
    if (size >= ID_LIMIT)
      throw new TokenizerFormatError(`vocabulary of ${size} ids is larger than the supported ${ID_LIMIT}`);
    const keys = spec.tokens.map((bytes) => (bytes ? latin1(bytes) : ""));
    spec.tokens.forEach((bytes, id) => {
      if (!bytes) return;
      this.byBytes.set(keys[id], id);
      if (bytes.length === 1) this.byteIds[bytes[0]] = id;
    });
    if (spec.unkToken !== undefined) {
      this.unkId = this.tokenToId(spec.unkToken);
      if (this.unkId === undefined)
        throw new TokenizerFormatError(`unk_token ${JSON.stringify(spec.unkToken)} is not in the vocabulary`);
    }
    spec.merges.forEach(([a, b], i) => {
      const merged = spec.tokens[a] && spec.tokens[b] ? this.byBytes.get(keys[a] + keys[b]) : undefined;
      if (merged === undefined)
        throw new TokenizerFormatError(
          `merge ${i} (${a}, ${b}) produces a token that is not in the vocabulary`,
        );
      const key = a * ID_LIMIT + b;
      const rank = spec.ranks ? spec.ranks[i] : i;
      const prev = this.pairs.get(key);
      if (prev === undefined || Math.floor(prev / ID_LIMIT) > rank)
        this.pairs.set(key, rank * ID_LIMIT + merged);
    });
    this.regex = toJsRegex(spec.pattern);
    this.specialRegex = specialTokenRegex(Object.keys(spec.specialTokens));
    this.normalize = buildNormalizer(spec.normalizer ?? null);
  }

  encode(text: string): number[] {
    return encodeWithSpecials(text, this.specialRegex, this.specialTokens, (t, out) =>
      this.encodeText(t, out),
    );
  }

  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    if (text) this.encodeText(text, out);
    return out;
  }

  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    return utf8Decode(this.decodeBytes(ids, opts));
  }

  /** Raw bytes of the ids: for streaming generation, where a character may span two tokens. */
  decodeBytes(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      let bytes = this.spec.tokens[id];
      if (!bytes) {
        const special = this.specialById.get(id);
        if (special === undefined)
          throw new RangeError(`decode: id ${id} is not in the vocabulary (size ${this.vocabSize})`);
        if (opts.skipSpecialTokens) continue;
        bytes = new TextEncoder().encode(special);
      }
      parts.push(bytes);
      total += bytes.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Tokens are named as in tokenizer.json: special content as is, other tokens in the GPT-2 byte alphabet. */
  tokenToId(token: string): number | undefined {
    const special = this.specialTokens[token];
    if (special !== undefined) return special;
    const bytes = unicodeToBytes(token);
    return bytes ? this.byBytes.get(latin1(bytes)) : undefined;
  }

  idToToken(id: number): string | undefined {
    const bytes = this.spec.tokens[id];
    return bytes ? bytesToUnicode(bytes) : this.specialById.get(id);
  }

  toJSON(): string {
    // Special tokens go in the model vocabulary too: the Rust library ignores an added token's id unless the model has it.
    const vocab = tokenRecord();
    this.spec.tokens.forEach((bytes, id) => {
      if (bytes) vocab[bytesToUnicode(bytes)] = id;
    });
    for (const [content, id] of Object.entries(this.specialTokens)) vocab[content] = id;
    const order = this.spec.merges.map((_, i) => i);
    if (this.spec.ranks) order.sort((x, y) => this.spec.ranks![x] - this.spec.ranks![y]);
    const merges = order.map((i) => this.spec.merges[i].map((id) => bytesToUnicode(this.spec.tokens[id]!)));
    const byteLevel = {
      type: "ByteLevel",
      add_prefix_space: this.spec.addPrefixSpace ?? false,
      trim_offsets: true,
      use_regex: false,
    };
    return JSON.stringify({
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: addedTokensJson(this.specialTokens),
      normalizer: this.spec.normalizer ?? null,
      pre_tokenizer: {
        type: "Sequence",
        pretokenizers: [
          { type: "Split", pattern: { Regex: this.spec.pattern }, behavior: "Isolated", invert: false },
          byteLevel,
        ],
      },
      post_processor: null,
      decoder: { ...byteLevel, use_regex: true },
      model: {
        type: "BPE",
        dropout: null,
        unk_token: this.spec.unkToken ?? null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: this.spec.fuseUnk ?? false,
        byte_fallback: false,
        ignore_merges: this.spec.ignoreMerges ?? false,
        vocab,
        merges,
      },
    });
  }

  private encodeText(text: string, out: number[]): void {
    let t = this.normalize ? this.normalize(text) : text;
    if (this.spec.addPrefixSpace && !t.startsWith(" ")) t = " " + t;
    splitIsolated(t, this.regex, (word) => this.encodeWord(word, out));
  }

  private encodeWord(word: string, out: number[]): void {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      const n = utf8Encode(word, this.scratch);
      ids = this.bpe(this.scratch, n);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  private bpe(bytes: number[], n: number): number[] {
    if (n === 1 && this.byteIds[bytes[0]] >= 0) return [this.byteIds[bytes[0]]];
    if (this.spec.ignoreMerges && n <= 256) {
      const whole = this.byBytes.get(String.fromCharCode.apply(null, bytes.slice(0, n)));
      if (whole !== undefined) return [whole];
    }
    const symbols: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.byteIds[bytes[i]];
      if (id >= 0) symbols.push(id);
      else if (this.unkId === undefined) continue;
      else if (!(this.spec.fuseUnk && symbols[symbols.length - 1] === this.unkId)) symbols.push(this.unkId);
    }
    return symbols.length > LONG_WORD
      ? mergeLongWord(symbols, this.pairs)
      : mergeShortWord(symbols, this.pairs);
  }
}

/** Above this many bytes a word is merged with a heap (n log n) instead of rescanning for the best pair (n^2). */
const LONG_WORD = 64;

function mergeShortWord(symbols: number[], pairs: Map<number, number>): number[] {
  while (symbols.length > 1) {
    let best = Infinity;
    let at = -1;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const v = pairs.get(symbols[i] * ID_LIMIT + symbols[i + 1]);
      if (v !== undefined && v < best) {
        best = v;
        at = i;
      }
    }
    if (at < 0) break;
    symbols[at] = best % ID_LIMIT;
    symbols.splice(at + 1, 1);
  }
  return symbols;
}

/**
 * Same result as mergeShortWord, for long words: a doubly linked list of symbols and a min-heap of candidate merges
 * keyed by (rank, position); entries made stale by an earlier merge are skipped when popped.
 */
function mergeLongWord(symbols: number[], pairs: Map<number, number>): number[] {
  const n = symbols.length;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const heap = new MinHeap();
  const push = (i: number) => {
    const j = next[i];
    if (j < 0) return;
    const v = pairs.get(symbols[i] * ID_LIMIT + symbols[j]);
    // The packed value orders by rank first; ties fall to the lower position, i.e. the leftmost pair.
    if (v !== undefined) heap.push(Math.floor(v / ID_LIMIT) * 2 ** 31 + i, symbols[i], i, symbols[j]);
  };
  for (let i = 0; i < n; i++) push(i);
  while (heap.size > 0) {
    const { left, pos, right } = heap.pop();
    const j = next[pos];
    if (!alive[pos] || j < 0 || symbols[pos] !== left || symbols[j] !== right) continue;
    symbols[pos] = pairs.get(left * ID_LIMIT + right)! % ID_LIMIT;
    alive[j] = 0;
    next[pos] = next[j];
    if (next[j] >= 0) prev[next[j]] = pos;
    if (prev[pos] >= 0) push(prev[pos]);
    push(pos);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(symbols[i]);
  return out;
}

/** Binary min-heap of (priority; left symbol, position, right symbol) entries. */
class MinHeap {
  private prio: number[] = [];
  private data: [number, number, number][] = [];
  get size(): number {
    return this.prio.length;
  }
  push(priority: number, left: number, pos: number, right: number): void {
    this.prio.push(priority);
    this.data.push([left, pos, right]);
    let i = this.prio.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.prio[p] <= this.prio[i]) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): { left: number; pos: number; right: number } {
    const [left, pos, right] = this.data[0];
    const lastP = this.prio.pop()!;
    const lastD = this.data.pop()!;
    if (this.prio.length > 0) {
      this.prio[0] = lastP;
      this.data[0] = lastD;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.prio.length && this.prio[l] < this.prio[m]) m = l;
        if (r < this.prio.length && this.prio[r] < this.prio[m]) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return { left, pos, right };
  }
  private swap(i: number, j: number): void {
    [this.prio[i], this.prio[j]] = [this.prio[j], this.prio[i]];
    [this.data[i], this.data[j]] = [this.data[j], this.data[i]];
  }
}
