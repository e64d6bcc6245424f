import { describe, expect, it } from "vitest";
import { NearDedupConfigSchema } from "../../src/config/data.js";
import { exactDedupStage, HashSet64, nearDedupStage, NearDuplicateIndex } from "../../src/data/dedup.js";
import type { Document } from "../../src/data/types.js";
import { Rng } from "../../src/util/rng.js";
import { edit, jaccard, makeDocument, makeVocabulary, toText } from "./corpus.js";

const doc = (id: number, text: string): Document => ({
  id: String(id),
  source: "gen",
  text,
  location: { file: "gen", line: id },
});

describe("deduplication", () => {
  it("removes planted exact and near duplicates (recall >= 0.95 at Jaccard >= 0.9) and keeps documents below 0.5", () => {
    const rng = new Rng(7);
    const vocab = makeVocabulary(rng, 4000);
    const cfg = NearDedupConfigSchema.parse({});
    const bases = Array.from({ length: 200 }, () => makeDocument(rng, vocab, 300));
    type Planted = { words: string[]; kind: "base" | "exact" | "near" | "far"; similarity: number };
    const items: Planted[] = bases.map((w) => ({ words: w, kind: "base", similarity: 0 }));
    for (let i = 0; i < 150; i++) {
      const base = bases[rng.int(bases.length)];
      const kind = i < 30 ? "exact" : i < 110 ? "near" : "far";
      const words = kind === "exact" ? base : edit(rng, base, vocab, kind === "near" ? 1 + rng.int(3) : 60);
      items.push({ words, kind, similarity: jaccard(base, words, cfg.shingleSize) });
    }
    const exact = exactDedupStage();
    const near = nearDedupStage(cfg, 1);
    const removed = items.map((it, i) => {
      const d = doc(i, toText(it.words));
      return exact.apply(d).drop ?? near.apply(d).drop;
    });
    const nearPlanted = items
      .map((it, i) => ({ it, r: removed[i] }))
      .filter(({ it }) => it.kind === "near" && it.similarity >= 0.9);
    expect(nearPlanted.length).toBeGreaterThan(50);
    const recall = nearPlanted.filter(({ r }) => r === "near_duplicate").length / nearPlanted.length;
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(items.every((it, i) => it.kind !== "exact" || removed[i] === "exact_duplicate")).toBe(true);
    const dissimilar = items.filter(
      (it, i) => (it.kind === "base" || it.similarity < 0.5) && removed[i] !== undefined,
    );
    expect(items.some((it) => it.kind === "far" && it.similarity < 0.5)).toBe(true);
    expect(dissimilar).toEqual([]);
  });

  it("keeps the index inside its memory budget by evicting the oldest documents", () => {
    const cfg = NearDedupConfigSchema.parse({ memoryBudgetMB: 0.05 });
    const index = new NearDuplicateIndex(cfg, 3);
    expect(index.capacity).toBe(Math.floor((0.05 * 1024 * 1024) / (128 * 4 + 16 * 48)));
    const rng = new Rng(5);
    const vocab = makeVocabulary(rng, 2000);
    const first = toText(makeDocument(rng, vocab, 80));
    index.insert(index.signature(first));
    expect(index.findDuplicate(index.signature(first))).toBe(1);
    for (let i = 0; i < index.capacity; i++)
      index.insert(index.signature(toText(makeDocument(rng, vocab, 80))));
    expect(index.evicted).toBe(1);
    // The first document has left the window, so its copy is no longer found.
    expect(index.findDuplicate(index.signature(first))).toBe(0);
  });

  it("draws its MinHash permutations from the seed", () => {
    const cfg = NearDedupConfigSchema.parse({});
    const text = "one two three four five six seven eight nine ten";
    expect(new NearDuplicateIndex(cfg, 1).signature(text)).toEqual(
      new NearDuplicateIndex(cfg, 1).signature(text),
    );
    expect(new NearDuplicateIndex(cfg, 1).signature(text)).not.toEqual(
      new NearDuplicateIndex(cfg, 2).signature(text),
    );
  });

  it("keeps exact hashes in a compact set that grows and never forgets", () => {
    const set = new HashSet64();
    const rng = new Rng(1);
    const hashes = Array.from({ length: 100_000 }, () => [rng.nextUint32(), rng.nextUint32()] as const);
    expect(hashes.every(([hi, lo]) => set.add(hi, lo))).toBe(true);
    expect(hashes.every(([hi, lo]) => !set.add(hi, lo))).toBe(true);
    expect(set.add(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
    expect(set.size).toBe(100_001);
  });
});
