import { describe, expect, it } from "vitest";
import { NearDedupConfigSchema } from "../../src/config/data.js";
import {
  exactDedupStage,
  HashSet64,
  nearDedupStage,
  NearDuplicateIndex,
  paragraphDedupStage,
} from "../../src/data/dedup.js";
import type { Document } from "../../src/data/types.js";
import { Rng } from "../../src/util/rng.js";
import { makeDocument, makeVocabulary, plantCopies, toText } from "./corpus.js";

const doc = (id: number, text: string): Document => ({
  id: String(id),
  source: "gen",
  text,
  location: { file: "gen", line: id },
});

describe("deduplication", () => {
  it("removes exact duplicates, and near duplicates at Jaccard >= 0.7 with recall >= 0.9 and precision >= 0.99", () => {
    const rng = new Rng(7);
    const vocab = makeVocabulary(rng, 4000);
    const cfg = NearDedupConfigSchema.parse({});
    expect(cfg.threshold).toBe(0.7);
    expect(cfg.shingleSize).toBe(5);
    const bases = Array.from({ length: 200 }, () => makeDocument(rng, vocab, 300));
    const positives = plantCopies(rng, bases, vocab, [0.7, 1], 150, cfg.shingleSize);
    const negatives = plantCopies(rng, bases, vocab, [0.3, 0.6], 150, cfg.shingleSize);
    const exactCopies = bases.slice(0, 30);
    const items = [
      ...bases.map((words) => ({ words, positive: false })),
      ...rng.shuffle([
        ...positives.map((p) => ({ words: p.words, positive: true })),
        ...negatives.map((n) => ({ words: n.words, positive: false })),
      ]),
      ...exactCopies.map((words) => ({ words, positive: true })),
    ];
    const exact = exactDedupStage();
    const near = nearDedupStage(cfg, 1);
    const removed = items.map((it, i) => {
      const d = doc(i, toText(it.words));
      return exact.apply(d).drop ?? near.apply(d).drop;
    });
    expect(removed.slice(-exactCopies.length).every((r) => r === "exact_duplicate")).toBe(true);
    const nearRemoved = items.filter((_, i) => removed[i] === "near_duplicate");
    const recall = nearRemoved.filter((it) => it.positive).length / positives.length;
    const precision = nearRemoved.filter((it) => it.positive).length / nearRemoved.length;
    expect(recall).toBeGreaterThanOrEqual(0.9);
    expect(precision).toBeGreaterThanOrEqual(0.99);
    // No base (unrelated to every earlier document) is ever removed.
    expect(removed.slice(0, bases.length).every((r) => r === undefined)).toBe(true);
  });

  it("removes paragraphs seen in earlier documents, and a document left with none", () => {
    const stage = paragraphDedupStage();
    expect(stage.apply(doc(1, "First story.\n\nShared footer."))).toEqual({});
    expect(stage.apply(doc(2, "Second story.\n\nShared footer."))).toEqual({
      text: "Second story.",
      changes: ["duplicate_paragraph_removed"],
    });
    expect(stage.apply(doc(3, "Shared footer.\n\nFirst story."))).toEqual({ drop: "duplicate_paragraphs" });
  });

  it("keeps the index inside its memory budget by evicting the oldest documents", () => {
    const cfg = NearDedupConfigSchema.parse({ memoryBudgetMB: 0.05 });
    const index = new NearDuplicateIndex(cfg, 3);
    const bytesPerDocument = cfg.numPermutations * 4 + cfg.bands * 48;
    expect(index.capacity).toBe(Math.floor((0.05 * 1024 * 1024) / bytesPerDocument));
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
