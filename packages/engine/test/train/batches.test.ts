import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeShard } from "../../src/io/shards.js";
import { IGNORE_INDEX, maskTokens, splitMicroBatches, TokenBatches } from "../../src/train/batches.js";
import { Rng } from "../../src/util/rng.js";

const dir = mkdtempSync(join(tmpdir(), "batches-"));
// Token value = its position in the stream, so every batch shows exactly which window it came from.
const stream = Array.from({ length: 1000 }, (_, i) => i);
const options = { seqLen: 4, vocabSize: 1000, validationFraction: 0.1, seed: 7 };

function windowsOf(inputs: Int32Array, seqLen: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < inputs.length / seqLen; r++) out.push(inputs[r * seqLen] / (seqLen + 1));
  return out;
}

describe("TokenBatches", () => {
  it("cuts disjoint windows of seqLen + 1 tokens into inputs and targets shifted by one", () => {
    const data = TokenBatches.fromTokens(stream, options);
    const { inputs, targets, batchSize, seqLen } = data.next(6);
    expect([batchSize, seqLen, inputs.length]).toEqual([6, 4, 24]);
    for (let r = 0; r < 6; r++) {
      const start = inputs[r * 4];
      expect(start % 5).toBe(0);
      expect(Array.from(inputs.subarray(r * 4, r * 4 + 4))).toEqual([start, start + 1, start + 2, start + 3]);
      expect(Array.from(targets.subarray(r * 4, r * 4 + 4))).toEqual([
        start + 1,
        start + 2,
        start + 3,
        start + 4,
      ]);
    }
  });

  it("splits windows into train and validation by a seeded draw, disjoint and complete", () => {
    const data = TokenBatches.fromTokens(stream, options);
    expect(data.validationSequenceCount).toBe(20);
    expect(data.trainSequenceCount).toBe(180);
    const validation = [...data.validationBatches(8)];
    expect(validation.map((b) => b.batchSize)).toEqual([8, 8, 4]);
    const validationWindows = validation.flatMap((b) => windowsOf(b.inputs, 4));
    expect(validationWindows).toEqual([...validationWindows].sort((a, b) => a - b));
    const trainWindows = windowsOf(data.next(180).inputs, 4);
    expect(new Set([...trainWindows, ...validationWindows]).size).toBe(200);
    const again = [...TokenBatches.fromTokens(stream, options).validationBatches(8)].flatMap((b) =>
      windowsOf(b.inputs, 4),
    );
    expect(again).toEqual(validationWindows);
    const otherSeed = [
      ...TokenBatches.fromTokens(stream, { ...options, seed: 8 }).validationBatches(8),
    ].flatMap((b) => windowsOf(b.inputs, 4));
    expect(otherSeed).not.toEqual(validationWindows);
  });

  it("visits every train window once per epoch, in a new order each epoch", () => {
    const data = TokenBatches.fromTokens(stream, options);
    const epoch0 = windowsOf(data.next(180).inputs, 4);
    expect(data.cursor()).toEqual({ seed: 7, epoch: 0, position: 180 });
    const epoch1 = windowsOf(data.next(180).inputs, 4);
    expect(data.cursor()).toEqual({ seed: 7, epoch: 1, position: 180 });
    expect([...epoch1].sort((a, b) => a - b)).toEqual([...epoch0].sort((a, b) => a - b));
    expect(epoch1).not.toEqual(epoch0);
  });

  it("resumes from a cursor exactly, across epoch boundaries", () => {
    const straight = TokenBatches.fromTokens(stream, options);
    const batches = Array.from({ length: 12 }, () => straight.next(32));
    const cursor = JSON.parse(JSON.stringify(batches[4].cursor));
    const resumed = TokenBatches.fromTokens(stream, options, cursor);
    for (const expected of batches.slice(5)) {
      const got = resumed.next(32);
      expect(got.inputs).toEqual(expected.inputs);
      expect(got.targets).toEqual(expected.targets);
      expect(got.cursor).toEqual(expected.cursor);
    }
    expect(batches[11].cursor.epoch).toBe(2);
    expect(() => resumed.resume({ ...cursor, seed: 8 })).toThrow(/cursor's seed 8 is not this data's seed 7/);
    expect(() => resumed.resume({ ...cursor, position: 500 })).toThrow(
      /position 500 is past the 180 training sequences/,
    );
  });

  it("reads several shards as one stream, windows crossing shard ends", () => {
    const paths = [join(dir, "a.bin"), join(dir, "b.bin"), join(dir, "c.bin")];
    writeShard(paths[0], stream.slice(0, 333), { dtype: "uint16" });
    writeShard(paths[1], stream.slice(333, 334), { dtype: "uint32" });
    writeShard(paths[2], stream.slice(334), { dtype: "uint16" });
    const fromShards = TokenBatches.fromShards(paths, options);
    const fromArray = TokenBatches.fromTokens(stream, options);
    for (let i = 0; i < 10; i++) expect(fromShards.next(16)).toEqual(fromArray.next(16));
  });

  it("rejects out-of-vocabulary ids naming the position (and the shard file)", () => {
    expect(() => TokenBatches.fromTokens([1, 2, 3, 50, 4], { ...options, vocabSize: 50 })).toThrow(
      /token id 50 at position 3 is not in the vocabulary \[0, 50\)/,
    );
    const path = join(dir, "big-ids.bin");
    writeShard(path, [1, 2, 999], { dtype: "uint16" });
    expect(() => TokenBatches.fromShards([path], { ...options, vocabSize: 500 })).toThrow(
      /big-ids.bin: token id 999 at position 2 is beyond the vocabulary/,
    );
  });

  it("says when there is too little data for one training sequence", () => {
    expect(() => TokenBatches.fromTokens([1, 2, 3, 4, 5, 6, 7, 8, 9], options)).toThrow(
      /9 tokens make 1 windows of seqLen \+ 1 = 5 tokens/,
    );
  });

  it("splits a batch into equal micro-batches for gradient accumulation", () => {
    const batch = TokenBatches.fromTokens(stream, options).next(6);
    const parts = splitMicroBatches(batch, 3);
    expect(parts.map((p) => p.batchSize)).toEqual([2, 2, 2]);
    expect(Array.from(parts[1].inputs)).toEqual(Array.from(batch.inputs.subarray(8, 16)));
    expect(() => splitMicroBatches(batch, 4)).toThrow(/cannot split a batch of 6 sequences into 4/);
  });
});

describe("maskTokens (BERT 80/10/10)", () => {
  const vocabSize = 1000;
  const tokens = Int32Array.from({ length: 200_000 }, (_, i) => 5 + (i % 900));
  tokens[0] = 1;
  tokens[1] = 2;

  it("chooses 15% of positions; 80% become the mask id, 10% a random id, 10% stay; labels -100 elsewhere", () => {
    const { inputs, labels } = maskTokens(tokens, new Rng(3), {
      vocabSize,
      maskTokenId: 4,
      maskProbability: 0.15,
      specialTokenIds: [1, 2],
    });
    let chosen = 0;
    let masked = 0;
    let unchanged = 0;
    let inconsistent = 0;
    for (let i = 0; i < tokens.length; i++) {
      if (labels[i] === IGNORE_INDEX) {
        if (inputs[i] !== tokens[i]) inconsistent++;
        continue;
      }
      chosen++;
      if (labels[i] !== tokens[i]) inconsistent++;
      if (inputs[i] === 4) masked++;
      else if (inputs[i] === tokens[i]) unchanged++;
    }
    const random = chosen - masked - unchanged;
    expect(inconsistent).toBe(0);
    expect(chosen / tokens.length).toBeGreaterThan(0.145);
    expect(chosen / tokens.length).toBeLessThan(0.155);
    expect(masked / chosen).toBeGreaterThan(0.79);
    expect(masked / chosen).toBeLessThan(0.81);
    expect(random / chosen).toBeGreaterThan(0.09);
    expect(unchanged / chosen).toBeGreaterThan(0.09);
    expect([labels[0], labels[1]]).toEqual([IGNORE_INDEX, IGNORE_INDEX]);
  });

  it("replays exactly from the same RNG state and always chooses at least one position", () => {
    const a = maskTokens(tokens.subarray(0, 64), new Rng(9), {
      vocabSize,
      maskTokenId: 4,
      maskProbability: 0.15,
    });
    const b = maskTokens(tokens.subarray(0, 64), new Rng(9), {
      vocabSize,
      maskTokenId: 4,
      maskProbability: 0.15,
    });
    expect(a).toEqual(b);
    for (let seed = 0; seed < 50; seed++) {
      const { labels } = maskTokens(Int32Array.from([7, 8]), new Rng(seed), {
        vocabSize,
        maskTokenId: 4,
        maskProbability: 0.15,
      });
      expect(labels.some((l) => l !== IGNORE_INDEX)).toBe(true);
    }
    expect(() =>
      maskTokens(tokens, new Rng(1), { vocabSize: 10, maskTokenId: 10, maskProbability: 0.15 }),
    ).toThrow(/maskTokenId 10 is not in the vocabulary/);
  });
});
