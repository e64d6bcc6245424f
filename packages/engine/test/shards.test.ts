import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readShard, readShardHeader, writeShard, dtypeForVocab } from "../src/io/shards.js";

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

  it("picks the narrowest dtype for a vocabulary", () => {
    expect(dtypeForVocab(50257)).toBe("uint16");
    expect(dtypeForVocab(100277)).toBe("uint32");
  });
});
