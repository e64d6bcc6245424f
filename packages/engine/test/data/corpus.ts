/** Generated corpora for the data tests: random but pronounceable words, so filters treat them as ordinary text. */
import { Rng } from "../../src/util/rng.js";

const SYLLABLES = [
  "ba",
  "co",
  "di",
  "fe",
  "ga",
  "hu",
  "ki",
  "lo",
  "ma",
  "ne",
  "po",
  "ra",
  "si",
  "tu",
  "ve",
  "zo",
  "an",
  "er",
  "in",
  "ol",
];

export function makeVocabulary(rng: Rng, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    let w = "";
    const n = 1 + rng.int(3);
    for (let i = 0; i < n; i++) w += SYLLABLES[rng.int(SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

export function makeDocument(rng: Rng, vocab: string[], words: number): string[] {
  return Array.from({ length: words }, () => vocab[rng.int(vocab.length)]);
}

/** Replaces `edits` distinct random positions with other words. */
export function edit(rng: Rng, doc: string[], vocab: string[], edits: number): string[] {
  const out = [...doc];
  const positions = rng.shuffle(Array.from(doc.keys())).slice(0, edits);
  for (const p of positions) out[p] = vocab[rng.int(vocab.length)] + "x";
  return out;
}

/** Exact Jaccard similarity of two documents' word k-shingle sets. */
export function jaccard(a: string[], b: string[], k: number): number {
  const shingles = (d: string[]) =>
    new Set(Array.from({ length: Math.max(d.length - k + 1, 1) }, (_, i) => d.slice(i, i + k).join(" ")));
  const sa = shingles(a);
  const sb = shingles(b);
  let inter = 0;
  for (const s of sa) if (sb.has(s)) inter++;
  return inter / (sa.size + sb.size - inter);
}

/** Sentences with full stops, so the text looks like prose to the quality filters. */
export function toText(words: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 12) {
    const s = words.slice(i, i + 12).join(" ");
    out.push(s.charAt(0).toUpperCase() + s.slice(1) + ".");
  }
  return out.join(" ");
}

export interface PlantedCopy {
  base: number;
  words: string[];
  /** True Jaccard similarity of the copy's and its base's word shingles. */
  similarity: number;
}

/**
 * Edited copies of the bases whose true Jaccard similarity to their base lies in [low, high): edit counts are drawn
 * around the count that lands in the band (about 5 shingles lost per edited word) and off-band copies are discarded.
 */
export function plantCopies(
  rng: Rng,
  bases: string[][],
  vocab: string[],
  band: [number, number],
  count: number,
  k: number,
): PlantedCopy[] {
  const out: PlantedCopy[] = [];
  while (out.length < count) {
    const base = rng.int(bases.length);
    const shingles = bases[base].length - k + 1;
    const target = band[0] + rng.next() * (band[1] - band[0]);
    const edits = Math.max(1, Math.round((shingles * (1 - target)) / (k * (1 + target))));
    const words = edit(rng, bases[base], vocab, edits);
    const similarity = jaccard(bases[base], words, k);
    if (similarity >= band[0] && similarity < band[1]) out.push({ base, words, similarity });
  }
  return out;
}
