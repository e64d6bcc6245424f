/**
 * The segmentation lattice of a Unigram model: every way to spell a word with vocabulary pieces. Viterbi picks the
 * best path (encoding), forward-backward gives each piece's expected count (training's E-step), and forward-filtering
 * backward-sampling draws a path (subword regularisation, Kudo 2018).
 *
 * Positions are UTF-16 offsets and steps are whole code points. Nodes are listed by start, then by length, with the
 * unknown node of a start last: the order the Rust library visits them, so ties resolve to the same path.
 */

/** Prefix tree over UTF-16 code units: all vocabulary pieces that start at a position of a word. */
export class PieceTrie {
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly ids: number[] = [-1];

  /** `pieces[id]` of undefined is left out (e.g. special tokens, which the model never spells). */
  constructor(pieces: readonly (string | undefined)[]) {
    pieces.forEach((piece, id) => {
      if (!piece) return;
      let node = 0;
      for (let i = 0; i < piece.length; i++) {
        const c = piece.charCodeAt(i);
        let next = this.children[node].get(c);
        if (next === undefined) {
          next = this.ids.push(-1) - 1;
          this.children.push(new Map());
          this.children[node].set(c, next);
        }
        node = next;
      }
      // A repeated piece resolves to its last id, as the reference's token -> id map does.
      this.ids[node] = id;
    });
  }

  /** Calls `onMatch(end, id)` for each piece that `word` has at `start`, shortest first. */
  matches(word: string, start: number, onMatch: (end: number, id: number) => void): void {
    let node = 0;
    for (let i = start; i < word.length; i++) {
      const next = this.children[node].get(word.charCodeAt(i));
      if (next === undefined) return;
      node = next;
      if (this.ids[node] >= 0) onMatch(i + 1, this.ids[node]);
    }
  }
}

export interface LatticeModel {
  trie: PieceTrie;
  scores: ArrayLike<number>;
  /** Id of the node spelling one code point that has no piece of its own; undefined: such a word cannot be spelled. */
  unkId: number | undefined;
  unkScore: number;
}

export interface Lattice {
  length: number;
  starts: number[];
  ends: number[];
  ids: number[];
  scores: number[];
}

export class UnknownCharacterError extends Error {
  constructor(word: string, at: number) {
    super(
      `Unigram: ${JSON.stringify(String.fromCodePoint(word.codePointAt(at)!))} in ${JSON.stringify(word)} is not in the vocabulary and the model has no unk token`,
    );
    this.name = "UnknownCharacterError";
  }
}

function codePointLength(word: string, at: number): number {
  const c = word.charCodeAt(at);
  return c >= 0xd800 && c <= 0xdbff && at + 1 < word.length ? 2 : 1;
}

export function buildLattice(word: string, model: LatticeModel): Lattice {
  const lattice: Lattice = { length: word.length, starts: [], ends: [], ids: [], scores: [] };
  const add = (start: number, end: number, id: number, score: number) => {
    lattice.starts.push(start);
    lattice.ends.push(end);
    lattice.ids.push(id);
    lattice.scores.push(score);
  };
  for (let start = 0; start < word.length;) {
    const step = codePointLength(word, start);
    let single = false;
    model.trie.matches(word, start, (end, id) => {
      add(start, end, id, model.scores[id]);
      if (end - start === step) single = true;
    });
    if (!single) {
      if (model.unkId === undefined) throw new UnknownCharacterError(word, start);
      add(start, start + step, model.unkId, model.unkScore);
    }
    start += step;
  }
  return lattice;
}

/**
 * Indexes of the best path's nodes, first to last. A later node replaces the best path to its end only when strictly
 * better; `skip` leaves one node index out (the pruning step asks for a piece's best spelling without itself).
 */
export function viterbi(lattice: Lattice, skip = -1): number[] | undefined {
  const n = lattice.length;
  const best = new Float64Array(n + 1);
  const via = new Int32Array(n + 1).fill(-1);
  for (let k = 0; k < lattice.starts.length; k++) {
    const start = lattice.starts[k];
    if (k === skip || (start > 0 && via[start] < 0)) continue;
    const end = lattice.ends[k];
    const score = best[start] + lattice.scores[k];
    if (via[end] < 0 || score > best[end]) {
      best[end] = score;
      via[end] = k;
    }
  }
  if (n > 0 && via[n] < 0) return undefined;
  const path: number[] = [];
  for (let at = n; at > 0; at = lattice.starts[via[at]]) path.push(via[at]);
  return path.reverse();
}

/** The best path's total score (for comparing a piece with its best alternative spelling). */
export function pathScore(lattice: Lattice, path: number[]): number {
  return path.reduce((sum, k) => sum + lattice.scores[k], 0);
}

/** Math.min without spreading: vocabularies are larger than the engine's argument limit. */
export function minimum(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] < m) m = values[i];
  return m;
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** log-sum of the scores of all paths reaching each position, with scores scaled by `theta`. */
function forward(lattice: Lattice, theta: number): Float64Array {
  const alpha = new Float64Array(lattice.length + 1).fill(-Infinity);
  alpha[0] = 0;
  for (let k = 0; k < lattice.starts.length; k++) {
    const end = lattice.ends[k];
    alpha[end] = logAddExp(alpha[end], alpha[lattice.starts[k]] + theta * lattice.scores[k]);
  }
  return alpha;
}

/** Adds `weight` times each node's posterior probability to `expected[id]`; returns the word's log-likelihood. */
export function addMarginals(lattice: Lattice, weight: number, expected: Float64Array): number {
  const alpha = forward(lattice, 1);
  const beta = new Float64Array(lattice.length + 1).fill(-Infinity);
  beta[lattice.length] = 0;
  for (let k = lattice.starts.length - 1; k >= 0; k--) {
    const start = lattice.starts[k];
    beta[start] = logAddExp(beta[start], lattice.scores[k] + beta[lattice.ends[k]]);
  }
  const z = alpha[lattice.length];
  for (let k = 0; k < lattice.starts.length; k++) {
    const p = Math.exp(alpha[lattice.starts[k]] + lattice.scores[k] + beta[lattice.ends[k]] - z);
    expected[lattice.ids[k]] += weight * p;
  }
  return z;
}

/** Draws a path with probability proportional to exp(theta * score), first node to last. */
export function samplePath(lattice: Lattice, theta: number, random: () => number): number[] {
  const alpha = forward(lattice, theta);
  const byEnd: number[][] = Array.from({ length: lattice.length + 1 }, () => []);
  for (let k = 0; k < lattice.starts.length; k++) byEnd[lattice.ends[k]].push(k);
  const path: number[] = [];
  for (let at = lattice.length; at > 0;) {
    // Relative to alpha[at], so long words do not underflow.
    let u = random();
    let chosen = byEnd[at][byEnd[at].length - 1];
    for (const k of byEnd[at]) {
      u -= Math.exp(alpha[lattice.starts[k]] + theta * lattice.scores[k] - alpha[at]);
      if (u <= 0) {
        chosen = k;
        break;
      }
    }
    path.push(chosen);
    at = lattice.starts[chosen];
  }
  return path.reverse();
}
