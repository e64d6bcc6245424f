/**
 * The merge-learning loop shared by the BPE and WordPiece trainers. Words are counted once after pre-tokenization;
 * pair counts are kept incrementally and only the words that contain a chosen pair are revisited. A max-heap holds
 * candidate pairs; an entry whose count went stale is re-queued with the current count when popped (counts of existing
 * pairs only fall after their creating merge, so the first up-to-date entry popped is the true maximum).
 */
const KEY_BASE = 2 ** 21;

export interface MergeLearningInput {
  /** Each distinct word as symbol ids; rewritten in place as merges apply. */
  words: number[][];
  counts: number[];
  /** Returns the id of the token that merging (a, b) makes, creating it if new. */
  mergeId: (a: number, b: number) => number;
  /** Called after each merge; stop when it returns true (vocabulary full). */
  isFull: () => boolean;
  minFrequency: number;
  onProgress?: (mergesDone: number) => void;
}

export function learnMerges(input: MergeLearningInput): [number, number][] {
  const { words, counts } = input;
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  /** `word` is given when the pair is new to that word, so the word joins the pair's list. */
  const addPair = (key: number, delta: number, word?: number) => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + delta);
    if (word !== undefined) {
      let list = where.get(key);
      if (!list) where.set(key, (list = []));
      if (list[list.length - 1] !== word) list.push(word);
    }
  };
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) addPair(word[i] * KEY_BASE + word[i + 1], counts[w], w);
  }
  const heap = new MaxHeap();
  for (const [key, count] of pairCount) heap.push(count, key);

  const merges: [number, number][] = [];
  const visited = new Int32Array(words.length).fill(-1);
  const created = new Set<number>();
  while (heap.size > 0 && !input.isFull()) {
    const { count, key } = heap.pop();
    const current = pairCount.get(key) ?? 0;
    if (current !== count) {
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < input.minFrequency || count <= 0) break;
    const a = Math.floor(key / KEY_BASE);
    const b = key % KEY_BASE;
    const merged = input.mergeId(a, b);
    merges.push([a, b]);
    created.clear();
    for (const w of where.get(key) ?? []) {
      if (visited[w] === merges.length) continue;
      visited[w] = merges.length;
      const word = words[w];
      const rewritten = mergeWord(word, a, b, merged);
      if (rewritten === word) continue;
      // Remove the word's old pairs and add its new ones; unchanged pairs cancel out.
      const c = counts[w];
      for (let i = 0; i + 1 < word.length; i++) addPair(word[i] * KEY_BASE + word[i + 1], -c);
      for (let i = 0; i + 1 < rewritten.length; i++) {
        const k = rewritten[i] * KEY_BASE + rewritten[i + 1];
        const isNew = rewritten[i] === merged || rewritten[i + 1] === merged;
        addPair(k, c, isNew ? w : undefined);
        if (isNew) created.add(k);
      }
      words[w] = rewritten;
    }
    pairCount.delete(key);
    where.delete(key);
    for (const k of created) {
      const c = pairCount.get(k) ?? 0;
      if (c > 0) heap.push(c, k);
    }
    input.onProgress?.(merges.length);
  }
  return merges;
}

/** Replaces each non-overlapping (a, b), left to right; returns the same array when the pair does not occur. */
function mergeWord(word: number[], a: number, b: number, merged: number): number[] {
  let out: number[] | undefined;
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
      out ??= word.slice(0, i);
      out.push(merged);
      i++;
    } else if (out) {
      out.push(word[i]);
    }
  }
  return out ?? word;
}

/** Max-heap on count; ties go to the smaller pair key so training is deterministic. */
class MaxHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  private before(i: number, j: number): boolean {
    return (
      this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j])
    );
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): { count: number; key: number } {
    const top = { count: this.counts[0], key: this.keys[0] };
    const c = this.counts.pop()!;
    const k = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = c;
      this.keys[0] = k;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.counts.length && this.before(l, m)) m = l;
        if (r < this.counts.length && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
}
