/**
 * Unigram training (Kudo 2018, as SentencePiece and the Hugging Face UnigramTrainer do it): seed a large vocabulary
 * with every character and the most frequent substrings of the pre-tokenized words, then alternate EM rounds (expected
 * piece counts by forward-backward; Bayesian M-step that drops pieces expected less than half a time) with pruning
 * (drop the pieces whose removal costs the corpus the least likelihood) until the vocabulary is 10% over its target.
 * Every character of the corpus is kept, so nothing seen in training becomes unknown. Ties are broken by piece text
 * and corpus order, so the same corpus always gives the same tokenizer.
 */
import { TokenizerTrainConfigSchema } from "../config/tokenizer.js";
import {
  addMarginals,
  buildLattice,
  minimum,
  pathScore,
  PieceTrie,
  viterbi,
  type LatticeModel,
} from "./lattice.js";
import { buildPreTokenizer, METASPACE_JSON } from "./metaspace.js";
import { countWords, type TrainOptions } from "./train-bpe.js";
import { DEFAULT_SPECIAL_TOKENS } from "./types.js";
import { UnigramTokenizer } from "./unigram.js";

/** M-step: a piece expected fewer times than this in the whole corpus is dropped. */
const MIN_EXPECTED = 0.5;

interface Corpus {
  words: string[];
  counts: number[];
}

interface Pieces {
  text: string[];
  scores: number[];
}

export async function trainUnigram(
  texts: AsyncIterable<string> | Iterable<string>,
  opts: TrainOptions = {},
): Promise<UnigramTokenizer> {
  const { onProgress, ...fields } = opts;
  const cfg = TokenizerTrainConfigSchema.parse({ ...fields, kind: "unigram" });
  const listed = cfg.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  // The unknown token is a special token, so the literal text "<unk>" cannot be spelled as it.
  const specials = listed.includes(cfg.unkToken) ? listed : [...listed, cfg.unkToken];
  const byteTokens = cfg.byteFallback
    ? Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)
    : [];
  const target = cfg.vocabSize - specials.length - byteTokens.length;
  const preTokenize = buildPreTokenizer(METASPACE_JSON);
  const counted = await countWords(
    texts,
    (t, onWord) => preTokenize(t, true, onWord),
    specials,
    (n) => onProgress?.("count", n),
  );
  const corpus: Corpus = { words: [...counted.keys()], counts: [...counted.values()] };
  counted.clear();
  const chars = requiredCharacters(corpus);
  if (chars.size > target)
    throw new RangeError(
      `vocabSize ${cfg.vocabSize} leaves ${target} pieces, below the ${chars.size} distinct characters of the corpus; raise it`,
    );

  let pieces = seedPieces(corpus, cfg.maxPieceLength, cfg.seedSize);
  const desired = Math.floor(target * 1.1);
  for (;;) {
    for (let i = 0; i < cfg.subIterations; i++) pieces = maximise(pieces, expectedCounts(pieces, corpus));
    onProgress?.("prune", pieces.text.length);
    if (pieces.text.length <= desired) break;
    const pruned = prune(
      pieces,
      corpus,
      Math.max(desired, Math.floor(pieces.text.length * cfg.shrinkingFactor)),
    );
    if (pruned.text.length === pieces.text.length) break;
    pieces = pruned;
  }
  const final = finalPieces(pieces, chars, target);
  const vocab: [string, number][] = [
    ...specials.map((t): [string, number] => [t, 0]),
    ...byteTokens.map((t): [string, number] => [t, 0]),
    ...final,
  ];
  return new UnigramTokenizer({
    vocab,
    unkId: specials.indexOf(cfg.unkToken),
    byteFallback: cfg.byteFallback,
    specialTokens: Object.fromEntries(specials.map((t, i) => [t, i])),
    normalizer: null,
    preTokenizer: METASPACE_JSON,
    decoder: cfg.byteFallback
      ? { type: "Sequence", decoders: [{ type: "ByteFallback" }, METASPACE_JSON] }
      : METASPACE_JSON,
  });
}

function requiredCharacters(corpus: Corpus): Set<string> {
  const chars = new Set<string>();
  for (const w of corpus.words) for (const ch of w) chars.add(ch);
  return chars;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Characters by frequency, then maximal substrings seen twice or more by frequency x length; log-probabilities. */
function seedPieces(corpus: Corpus, maxLength: number, seedSize: number): Pieces {
  const charCounts = new Map<string, number>();
  const subCounts = new Map<string, number>();
  corpus.words.forEach((word, w) => {
    const c = corpus.counts[w];
    const cps = Array.from(word);
    for (let i = 0; i < cps.length; i++) {
      charCounts.set(cps[i], (charCounts.get(cps[i]) ?? 0) + c);
      let sub = cps[i];
      for (let j = i + 1; j < cps.length && j - i < maxLength; j++) {
        sub += cps[j];
        subCounts.set(sub, (subCounts.get(sub) ?? 0) + c);
      }
    }
  });
  const charList = [...charCounts].sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
  // Only maximal substrings, as the reference's suffix array gives: one that always continues the same way (an
  // extension by one character has its count) adds nothing its extension does not.
  const nonMaximal = new Set<string>();
  for (const [sub, count] of subCounts) {
    const prefix = sub.slice(0, sub.length - (isLowSurrogate(sub.charCodeAt(sub.length - 1)) ? 2 : 1));
    const suffix = sub.slice(isHighSurrogate(sub.charCodeAt(0)) ? 2 : 1);
    if (subCounts.get(prefix) === count) nonMaximal.add(prefix);
    if (subCounts.get(suffix) === count) nonMaximal.add(suffix);
  }
  const subList: [string, number][] = [];
  for (const [sub, count] of subCounts)
    if (count >= 2 && !nonMaximal.has(sub)) subList.push([sub, count * Array.from(sub).length]);
  subList.sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
  const seed = [...charList, ...subList.slice(0, Math.max(0, seedSize - charList.length))];
  const logSum = Math.log(seed.reduce((s, [, v]) => s + v, 0));
  return { text: seed.map(([t]) => t), scores: seed.map(([, v]) => Math.log(v) - logSum) };
}

/** The lattice model of a piece list; the unknown node's id is one past the last piece. */
function latticeModel(pieces: Pieces): LatticeModel {
  return {
    trie: new PieceTrie(pieces.text),
    scores: pieces.scores,
    unkId: pieces.text.length,
    unkScore: minimum(pieces.scores) - 10,
  };
}

function expectedCounts(pieces: Pieces, corpus: Corpus): Float64Array {
  const model = latticeModel(pieces);
  const expected = new Float64Array(pieces.text.length + 1);
  corpus.words.forEach((word, w) => addMarginals(buildLattice(word, model), corpus.counts[w], expected));
  return expected;
}

/** Bayesian (variational, digamma) M-step: a sparse prior that pushes rarely used pieces out. */
function maximise(pieces: Pieces, expected: Float64Array): Pieces {
  const text: string[] = [];
  const counts: number[] = [];
  pieces.text.forEach((t, i) => {
    if (expected[i] < MIN_EXPECTED) return;
    text.push(t);
    counts.push(expected[i]);
  });
  const logSum = digamma(counts.reduce((s, c) => s + c, 0));
  return { text, scores: counts.map((c) => digamma(c) - logSum) };
}

/**
 * Keeps `size` pieces: those with no other spelling, then those whose loss is largest, where the loss approximates how
 * much the corpus likelihood drops when each use of the piece is replaced by its best alternative spelling.
 */
function prune(pieces: Pieces, corpus: Corpus, size: number): Pieces {
  const model = latticeModel(pieces);
  const n = pieces.text.length;
  const alternatives: (number[] | undefined)[] = new Array(n);
  const alwaysKeep = new Array<boolean>(n).fill(true);
  pieces.text.forEach((piece, i) => {
    const lattice = buildLattice(piece, model);
    const self = lattice.ids.findIndex((id, k) => id === i && lattice.ends[k] === piece.length);
    const alt = viterbi(lattice, self);
    if (!alt) return;
    if (pathScore(lattice, alt) > pieces.scores[i]) alwaysKeep[i] = false;
    else alternatives[i] = alt.map((k) => lattice.ids[k]);
  });

  const freq = new Float64Array(n + 1);
  const occurrences = new Float64Array(n + 1);
  let totalWords = 0;
  corpus.words.forEach((word, w) => {
    const c = corpus.counts[w];
    totalWords += c;
    const lattice = buildLattice(word, model);
    for (const k of viterbi(lattice)!) {
      freq[lattice.ids[k]] += c;
      occurrences[lattice.ids[k]] += c;
    }
  });
  const sum = freq.reduce((s, f) => s + f, 0);
  const logSum = Math.log(sum);
  const kept = new Set<number>();
  const candidates: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const alt = alternatives[i];
    if (freq[i] === 0 && !alwaysKeep[i]) continue;
    if (!alt) {
      kept.add(i);
      continue;
    }
    if (occurrences[i] === 0) continue;
    const logSumAlt = Math.log(sum + freq[i] * (alt.length - 1));
    const logProbAlt = alt.reduce((s, a) => s + Math.log(freq[a] + freq[i]) - logSumAlt, 0);
    const loss = (occurrences[i] / totalWords) * (Math.log(freq[i]) - logSum - logProbAlt);
    candidates.push([i, loss]);
  }
  candidates.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  for (const [i] of candidates) {
    if (kept.size >= size) break;
    kept.add(i);
  }
  const order = [...kept].sort((a, b) => a - b);
  return { text: order.map((i) => pieces.text[i]), scores: order.map((i) => pieces.scores[i]) };
}

/** Every character first (a missing one just below the least likely piece), then the best pieces up to `target`. */
function finalPieces(pieces: Pieces, chars: Set<string>, target: number): [string, number][] {
  const scoreOf = new Map(pieces.text.map((t, i) => [t, pieces.scores[i]]));
  const minScore = minimum(pieces.scores);
  const out = new Map<string, number>();
  [...chars].sort(byText).forEach((ch, k) => out.set(ch, scoreOf.get(ch) ?? minScore - (k + 1) * 1e-4));
  const ranked = pieces.text
    .map((t, i): [string, number] => [t, pieces.scores[i]])
    .sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
  for (const [t, s] of ranked) {
    if (out.size >= target) break;
    if (!out.has(t)) out.set(t, s);
  }
  return [...out].sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
}

/** ψ(x) by recurrence up to x >= 7, then its asymptotic series. */
function digamma(x: number): number {
  let result = 0;
  for (; x < 7; x++) result -= 1 / x;
  x -= 0.5;
  const xx = 1 / x;
  const xx2 = xx * xx;
  const xx4 = xx2 * xx2;
  return (
    result + Math.log(x) + xx2 / 24 - (7 / 960) * xx4 + (31 / 8064) * xx4 * xx2 - (127 / 30720) * xx4 * xx4
  );
}
