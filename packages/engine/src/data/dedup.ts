/**
 * Deduplication. Exact: a 64-bit prefix of each normalised text's SHA-256, in a compact hash set. Near: MinHash signatures over word
 * shingles, banded LSH to find candidates, then the signatures' agreement (an estimate of Jaccard similarity) must
 * reach the threshold, so an LSH collision alone never removes a document.
 *
 * The near-duplicate index lives in a fixed memory budget: signatures in one preallocated Uint32Array ring, band keys
 * in per-band maps. When the ring is full the oldest document leaves the index, so dedup becomes a sliding window over
 * the most recent `capacity` documents; the data card reports the capacity and how many documents were evicted.
 */
import { createHash } from "node:crypto";
import type { DataPrepareConfig } from "../config/data.js";
import { Rng } from "../util/rng.js";
import { fnv1a, words } from "./text.js";
import type { Stage } from "./types.js";

type NearConfig = DataPrepareConfig["dedup"]["near"];

/**
 * A set of 64-bit hashes in two flat Uint32Arrays (open addressing, a quarter to half full): 16-32 bytes per document
 * against about 80 for a Set of hex strings, so exact dedup stays global on corpora of hundreds of millions.
 */
export class HashSet64 {
  private hi = new Uint32Array(1 << 16);
  private lo = new Uint32Array(1 << 16);
  size = 0;

  /** Adds the hash; returns false when it was already there. (0, 0) marks an empty slot, so it is stored as (0, 1). */
  add(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    if ((this.size + 1) * 2 > this.hi.length) this.grow();
    const mask = this.hi.length - 1;
    let slot = (lo ^ hi) & mask;
    while (this.hi[slot] !== 0 || this.lo[slot] !== 0) {
      if (this.hi[slot] === hi && this.lo[slot] === lo) return false;
      slot = (slot + 1) & mask;
    }
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.size++;
    return true;
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.size = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.add(hi[i], lo[i]);
  }
}

/** Adds the 64-bit prefix of the text's SHA-256; false when it was already in the set. */
function addText(set: HashSet64, text: string): boolean {
  const digest = createHash("sha256").update(text).digest();
  return set.add(digest.readUInt32LE(0), digest.readUInt32LE(4));
}

export function exactDedupStage(): Stage & { size(): number } {
  const seen = new HashSet64();
  return {
    name: "exact_dedup",
    size: () => seen.size,
    apply(doc) {
      return addText(seen, doc.text) ? {} : { drop: "exact_duplicate" };
    },
  };
}

/**
 * Paragraph-level exact dedup (as dolma's paragraph deduper): a paragraph already seen anywhere earlier is removed,
 * so a shared footer or disclaimer leaves every document but the first; a document left empty is dropped.
 */
export function paragraphDedupStage(): Stage {
  const seen = new HashSet64();
  return {
    name: "paragraph_dedup",
    apply(doc) {
      const paragraphs = doc.text.split(/\n{2,}/);
      const kept = paragraphs.filter((p) => !p.trim() || addText(seen, p.trim()));
      if (kept.length === paragraphs.length) return {};
      const text = kept.join("\n\n").trim();
      if (!text) return { drop: "duplicate_paragraphs" };
      return { text, changes: Array(paragraphs.length - kept.length).fill("duplicate_paragraph_removed") };
    },
  };
}

/** murmur3's 32-bit finaliser: a cheap, well-mixed hash of a 32-bit value. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes of the document's lower-cased word k-shingles; a text shorter than k words is one shingle. */
export function shingleHashes(text: string, k: number): Uint32Array {
  const ws = words(text.toLowerCase());
  const n = Math.max(ws.length - k + 1, 1);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = fnv1a(ws.slice(i, i + k).join(" "));
  return out;
}

/** Share of equal positions in two signatures: an unbiased estimate of the shingle sets' Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** Approximate bytes per band entry in a Map with small-integer keys (measured on V8), plus the ring's copy of the key. */
const BYTES_PER_BAND_ENTRY = 48;

export class NearDuplicateIndex {
  readonly capacity: number;
  evicted = 0;
  private readonly seeds: Uint32Array;
  private readonly rows: number;
  private readonly signatures: Uint32Array;
  private readonly slotKeys: Int32Array;
  private readonly tables: Map<number, number>[];
  private inserted = 0;

  constructor(
    private readonly cfg: NearConfig,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.seeds = new Uint32Array(cfg.numPermutations).map(() => rng.nextUint32());
    this.rows = cfg.numPermutations / cfg.bands;
    const bytesPerDoc = cfg.numPermutations * 4 + cfg.bands * BYTES_PER_BAND_ENTRY;
    this.capacity = Math.max(1, Math.floor((cfg.memoryBudgetMB * 1024 * 1024) / bytesPerDoc));
    this.signatures = new Uint32Array(this.capacity * cfg.numPermutations);
    this.slotKeys = new Int32Array(this.capacity * cfg.bands);
    this.tables = Array.from({ length: cfg.bands }, () => new Map<number, number>());
  }

  signature(text: string): Uint32Array {
    const shingles = shingleHashes(text, this.cfg.shingleSize);
    const sig = new Uint32Array(this.seeds.length).fill(0xffffffff);
    for (let p = 0; p < this.seeds.length; p++) {
      const seed = this.seeds[p];
      let min = 0xffffffff;
      for (let i = 0; i < shingles.length; i++) {
        const h = fmix32(shingles[i] ^ seed);
        if (h < min) min = h;
      }
      sig[p] = min;
    }
    return sig;
  }

  /** Returns the estimated similarity to the most similar indexed candidate at or above the threshold, else 0. */
  findDuplicate(sig: Uint32Array): number {
    const perm = this.seeds.length;
    let best = 0;
    for (let b = 0; b < this.tables.length; b++) {
      const slot = this.tables[b].get(this.bandKey(sig, b));
      if (slot === undefined) continue;
      const j = estimateJaccard(sig, this.signatures.subarray(slot * perm, (slot + 1) * perm));
      if (j >= this.cfg.threshold && j > best) best = j;
    }
    return best;
  }

  insert(sig: Uint32Array): void {
    const perm = this.seeds.length;
    const slot = this.inserted % this.capacity;
    if (this.inserted >= this.capacity) {
      this.evicted++;
      for (let b = 0; b < this.tables.length; b++) {
        const key = this.slotKeys[slot * this.tables.length + b];
        if (this.tables[b].get(key) === slot) this.tables[b].delete(key);
      }
    }
    this.signatures.set(sig, slot * perm);
    for (let b = 0; b < this.tables.length; b++) {
      const key = this.bandKey(sig, b);
      this.slotKeys[slot * this.tables.length + b] = key;
      this.tables[b].set(key, slot);
    }
    this.inserted++;
  }

  /** A band's rows hashed to a 31-bit key, which V8 stores unboxed in a Map. */
  private bandKey(sig: Uint32Array, band: number): number {
    let h = 0x811c9dc5;
    for (let r = band * this.rows; r < (band + 1) * this.rows; r++) h = fmix32(h ^ sig[r]);
    return h & 0x7fffffff;
  }
}

export function nearDedupStage(cfg: NearConfig, seed: number): Stage & { index: NearDuplicateIndex } {
  const index = new NearDuplicateIndex(cfg, seed);
  return {
    name: "near_dedup",
    index,
    apply(doc) {
      const sig = index.signature(doc.text);
      if (index.findDuplicate(sig) > 0) return { drop: "near_duplicate" };
      index.insert(sig);
      return {};
    },
  };
}
