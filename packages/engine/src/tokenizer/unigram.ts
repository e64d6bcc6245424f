/**
 * Unigram language-model tokenizer (SentencePiece style: T5, XLM-R, ALBERT, our own `--model unigram`). Each piece has
 * a log-probability; a word is spelled by the most likely sequence of pieces (Viterbi), or by a sampled one for
 * subword regularisation. A character with no piece becomes the unknown token (runs of them fused into one), or its
 * UTF-8 bytes as "<0xXX>" pieces when the model has byte fallback. Same ids as the Rust `tokenizers` library.
 */
import { utf8Encode } from "./bytes.js";
import { buildLattice, minimum, samplePath, viterbi, PieceTrie, type Lattice } from "./lattice.js";
import {
  buildDecoder,
  buildPreTokenizer,
  byteOfToken,
  type Decode,
  type PipelineJson,
  type PreTokenize,
} from "./metaspace.js";
import { buildNormalizer, type Normalize, type NormalizerJson } from "./normalizers.js";
import { encodeWithSpecials, specialTokenRegex } from "./pretokenize.js";
import { addedTokensJson, tokenRecord, TokenizerFormatError, type Tokenizer } from "./types.js";

/** The reference scores an unknown character this far below the least likely piece. */
const UNK_PENALTY = 10;
const CACHE_LIMIT = 200_000;

export interface UnigramSpec {
  /** [piece, log-probability] by id. Special tokens have entries too (score 0), as in tokenizer.json. */
  vocab: [string, number][];
  unkId: number | undefined;
  byteFallback: boolean;
  specialTokens: Record<string, number>;
  normalizer: NormalizerJson;
  preTokenizer: PipelineJson;
  decoder: PipelineJson;
}

interface UnigramJson {
  normalizer?: NormalizerJson;
  pre_tokenizer?: PipelineJson;
  decoder?: PipelineJson;
  model: { vocab: unknown; unk_id?: number | null; byte_fallback?: boolean };
}

export interface SampleOptions {
  /** Smoothing: paths are drawn with probability proportional to P(path)^alpha (0.1 in Kudo 2018). */
  alpha: number;
  /** Uniform numbers in [0, 1), e.g. `() => rng.next()` with the engine's seeded Rng. */
  random: () => number;
}

export class UnigramTokenizer implements Tokenizer {
  readonly kind = "unigram" as const;
  readonly vocabSize: number;
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly spec: UnigramSpec;
  private readonly ids = new Map<string, number>();
  private readonly scores: Float64Array;
  private readonly trie: PieceTrie;
  private readonly unkScore: number;
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly specialIds: Set<number>;
  /** Added tokens past the model's vocabulary (the Rust library allows them). */
  private readonly specialById = new Map<number, string>();
  private readonly specialRegex: RegExp | undefined;
  private readonly normalize: Normalize | undefined;
  private readonly preTokenize: PreTokenize;
  private readonly decodeTokens: Decode;
  private readonly cache = new Map<string, number[]>();
  private readonly scratch: number[] = [];

  constructor(spec: UnigramSpec) {
    this.spec = spec;
    this.specialTokens = tokenRecord(Object.entries(spec.specialTokens));
    this.specialIds = new Set(Object.values(spec.specialTokens));
    for (const [content, id] of Object.entries(spec.specialTokens)) this.specialById.set(id, content);
    let size = spec.vocab.length;
    for (const [content, id] of Object.entries(spec.specialTokens)) {
      if (id < spec.vocab.length && spec.vocab[id][0] !== content)
        throw new TokenizerFormatError(
          `added token ${JSON.stringify(content)} has id ${id}, but the vocabulary has ${JSON.stringify(spec.vocab[id][0])} there`,
        );
      size = Math.max(size, id + 1);
    }
    this.vocabSize = size;
    if (spec.unkId !== undefined && !(spec.unkId >= 0 && spec.unkId < spec.vocab.length))
      throw new TokenizerFormatError(
        `unk_id ${spec.unkId} is outside the vocabulary of ${spec.vocab.length} pieces`,
      );
    this.scores = Float64Array.from(spec.vocab, ([, score]) => score);
    spec.vocab.forEach(([piece], id) => this.ids.set(piece, id));
    // Special tokens are matched before the model sees the text, so the model never spells one (encodeOrdinary relies on it).
    this.trie = new PieceTrie(spec.vocab.map(([piece], id) => (this.specialIds.has(id) ? undefined : piece)));
    this.unkScore = minimum(this.scores) - UNK_PENALTY;
    if (spec.byteFallback)
      spec.vocab.forEach(([piece], id) => {
        const b = byteOfToken(piece);
        if (b !== undefined) this.byteIds[b] = id;
      });
    this.specialRegex = specialTokenRegex(Object.keys(spec.specialTokens));
    this.normalize = buildNormalizer(spec.normalizer);
    this.preTokenize = buildPreTokenizer(spec.preTokenizer);
    this.decodeTokens = buildDecoder(spec.decoder);
  }

  static fromJson(json: UnigramJson, specials: Record<string, number>): UnigramTokenizer {
    const vocab = json.model.vocab;
    if (
      !Array.isArray(vocab) ||
      !vocab.every((e) => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number")
    )
      throw new TokenizerFormatError("Unigram model.vocab must be a list of [piece, score] pairs");
    return new UnigramTokenizer({
      vocab: vocab as [string, number][],
      unkId: json.model.unk_id ?? undefined,
      byteFallback: json.model.byte_fallback === true,
      specialTokens: specials,
      normalizer: json.normalizer ?? null,
      preTokenizer: json.pre_tokenizer ?? null,
      decoder: json.decoder ?? null,
    });
  }

  encode(text: string): number[] {
    return encodeWithSpecials(text, this.specialRegex, this.specialTokens, (t, out, start) =>
      this.encodeText(t, out, start === 0, (word) => this.encodeWord(word)),
    );
  }

  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    this.encodeText(text, out, true, (word) => this.encodeWord(word));
    return out;
  }

  /** Subword regularisation: a segmentation drawn from the model instead of the best one; special tokens as in encode. */
  sample(text: string, opts: SampleOptions): number[] {
    return encodeWithSpecials(text, this.specialRegex, this.specialTokens, (t, out, start) =>
      this.encodeText(t, out, start === 0, (word) => {
        const lattice = buildLattice(word, this.latticeModel());
        return this.pathIds(word, lattice, samplePath(lattice, opts.alpha, opts.random));
      }),
    );
  }

  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const token = this.idToToken(ids[i]);
      if (token === undefined)
        throw new RangeError(`decode: id ${ids[i]} is not in the vocabulary (size ${this.vocabSize})`);
      if (opts.skipSpecialTokens && this.specialIds.has(ids[i])) continue;
      tokens.push(token);
    }
    return this.decodeTokens(tokens).join("");
  }

  tokenToId(token: string): number | undefined {
    return this.specialTokens[token] ?? this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.spec.vocab[id]?.[0] ?? this.specialById.get(id);
  }

  toJSON(): string {
    return JSON.stringify({
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: addedTokensJson(this.specialTokens),
      normalizer: this.spec.normalizer,
      pre_tokenizer: this.spec.preTokenizer,
      post_processor: null,
      decoder: this.spec.decoder,
      model: {
        type: "Unigram",
        unk_id: this.spec.unkId ?? null,
        vocab: this.spec.vocab,
        byte_fallback: this.spec.byteFallback,
      },
    });
  }

  private latticeModel() {
    return { trie: this.trie, scores: this.scores, unkId: this.spec.unkId, unkScore: this.unkScore };
  }

  private encodeText(
    text: string,
    out: number[],
    atStart: boolean,
    encodeWord: (word: string) => number[],
  ): void {
    const t = this.normalize ? this.normalize(text) : text;
    this.preTokenize(t, atStart, (word) => {
      for (const id of encodeWord(word)) out.push(id);
    });
  }

  private encodeWord(word: string): number[] {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      const lattice = buildLattice(word, this.latticeModel());
      ids = this.pathIds(word, lattice, viterbi(lattice)!);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    return ids;
  }

  /** Ids of a path's pieces: a run of unknown characters is one piece, spelled as the reference spells it. */
  private pathIds(word: string, lattice: Lattice, path: number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < path.length; i++) {
      const k = path[i];
      if (lattice.ids[k] !== this.spec.unkId) {
        out.push(lattice.ids[k]);
        continue;
      }
      let end = i;
      while (end + 1 < path.length && lattice.ids[path[end + 1]] === this.spec.unkId) end++;
      this.pushUnknown(word.slice(lattice.starts[k], lattice.ends[path[end]]), out);
      i = end;
    }
    return out;
  }

  private pushUnknown(text: string, out: number[]): void {
    const known = this.ids.get(text);
    if (known !== undefined) {
      out.push(known);
      return;
    }
    if (this.spec.byteFallback) {
      const n = utf8Encode(text, this.scratch);
      const bytes = this.scratch.slice(0, n).map((b) => this.byteIds[b]);
      if (bytes.every((id) => id >= 0)) {
        out.push(...bytes);
        return;
      }
    }
    out.push(this.spec.unkId!);
  }
}
