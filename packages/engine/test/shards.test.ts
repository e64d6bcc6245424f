import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  documentStartsInWindow,
  positionIds,
  readDocumentStarts,
  readShard,
  readShardHeader,
  segmentIds,
  writeShard,
  dtypeForVocab,
} from "../src/io/shards.js";

const dir = mkdtempSync(join(tmpdir(), "shards-"));

describe("token shards", () => {
  it("round-trips uint16 and uint32 tokens with the header", () => {
    for (const dtype of ["uint16", "uint32"] as const) {
      const path = join(dir, `a-${dtype}.bin`);
      const tokens = [0, 1, 255, 65535, 7];
      writeShard(path, tokens, { dtype, sequenceLength: 4 });
      const { header, tokens: back } = readShard(path);
      expect(header).toEqual({ version: 1, dtype, tokenCount: 5, sequenceLength: 4 });
      expect(Array.from(back)).toEqual(tokens);
      expect(readShardHeader(path).tokenCount).toBe(5);
    }
  });

  it("rejects a wrong magic number, a truncated file and out-of-vocabulary ids by name", () => {
    const path = join(dir, "b.bin");
    writeShard(path, [1, 2, 3], { dtype: "uint16" });
    const bytes = readFileSync(path);
    const bad = Buffer.from(bytes);
    bad.write("NOTTOKEN", 0, "latin1");
    writeFileSync(join(dir, "magic.bin"), bad);
    expect(() => readShard(join(dir, "magic.bin"))).toThrow(/wrong magic/);
    writeFileSync(join(dir, "short.bin"), bytes.subarray(0, bytes.length - 1));
    expect(() => readShard(join(dir, "short.bin"))).toThrow(/truncated/);
    expect(() => readShard(path, { vocabSize: 3 })).toThrow(
      /token id 3 at position 2 is beyond the vocabulary/,
    );
    expect(() => writeShard(join(dir, "c.bin"), [70000], { dtype: "uint16" })).toThrow(/does not fit uint16/);
  });

  it("keeps document starts in a .docs companion that shard readers can ignore", () => {
    const path = join(dir, "docs.bin");
    writeShard(path, [5, 6, 0, 7, 8, 9, 0, 1], {
      dtype: "uint16",
      sequenceLength: 4,
      documentStarts: [0, 3, 7],
    });
    expect(Array.from(readShard(path).tokens)).toEqual([5, 6, 0, 7, 8, 9, 0, 1]);
    expect(Array.from(readDocumentStarts(path)!)).toEqual([0, 3, 7]);
    expect(readDocumentStarts(join(dir, "a-uint16.bin"))).toBeUndefined();
    expect(() => writeShard(join(dir, "d.bin"), [1, 2], { dtype: "uint16", documentStarts: [1, 1] })).toThrow(
      /not an ascending offset/,
    );
  });

  it("gives each window its document boundaries, segment ids and restarting positions", () => {
    const starts = [0, 3, 7, 9];
    expect(documentStartsInWindow(starts, 0, 4)).toEqual([0, 3]);
    // The second window begins inside the document that started at 3.
    expect(documentStartsInWindow(starts, 4, 4)).toEqual([0, 3]);
    expect(documentStartsInWindow(starts, 8, 4)).toEqual([0, 1]);
    expect(Array.from(segmentIds([0, 3], 4))).toEqual([0, 0, 0, 1]);
    expect(Array.from(positionIds([0, 1], 4))).toEqual([0, 0, 1, 2]);
  });

  it("picks the narrowest dtype for a vocabulary", () => {
    expect(dtypeForVocab(50257)).toBe("uint16");
    expect(dtypeForVocab(100277)).toBe("uint32");
  });
});
