import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type TensorMap,
} from "../../src/io/safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "safetensors-"));

/** Builds a file from a header object and a raw data buffer, the way a foreign writer would. */
function rawFile(header: object, data: Uint8Array, pad = 0): Buffer {
  const json = Buffer.from(JSON.stringify(header) + " ".repeat(pad));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([size, json, data]);
}

describe("safetensors bytes match the reference implementation", () => {
  // Byte vectors copied from the unit tests of huggingface/safetensors (safetensors/src/tensor.rs and
  // bindings/python/tests/test_simple.py), so the writer is checked against the reference writer, not against itself.
  it("serializes one F32 tensor exactly like the Rust crate (test_serialization)", () => {
    const out = encodeSafetensors({
      "attn.0": { dtype: "F32", shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) },
    });
    expect(Array.from(out)).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101,
      34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34,
      100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0,
      0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
  });

  it("pads the header with spaces to a multiple of 8 (test_serialization_forced_alignement)", () => {
    const out = encodeSafetensors({
      attn0: { dtype: "F32", shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) },
    });
    expect(out.readBigUInt64LE(0)).toBe(72n);
    expect(out.subarray(8 + 65, 8 + 72).toString()).toBe("       ");
    expect(Array.from(out.subarray(80))).toEqual([
      0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
  });

  it("writes empty files and metadata like the Rust crate (test_empty)", () => {
    expect(Array.from(encodeSafetensors({}))).toEqual([
      8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32,
    ]);
    expect(Array.from(encodeSafetensors({}, { framework: "pt" }))).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34,
      102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
  });

  it("matches the Python bindings' I32 vector (test_simple.py)", () => {
    const out = encodeSafetensors({ test: { dtype: "I32", shape: [2, 2], data: new Int32Array(4) } });
    const expected = Buffer.concat([
      Buffer.from(
        '@\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}    ',
        "latin1",
      ),
      Buffer.alloc(16),
    ]);
    expect(out.equals(expected)).toBe(true);
  });

  it("lays tensors out widest dtype first, then by name, keeping each aligned", () => {
    const out = encodeSafetensors({
      b: { dtype: "U8", shape: [3], data: new Uint8Array([1, 2, 3]) },
      a: { dtype: "F16", shape: [1], data: new Uint16Array([0x3c00]) },
      z: { dtype: "F64", shape: [1], data: new Float64Array([1.5]) },
      y: { dtype: "F32", shape: [1], data: new Float32Array([2]) },
      x: { dtype: "I32", shape: [1], data: new Int32Array([-1]) },
    });
    const header = JSON.parse(out.subarray(8, 8 + Number(out.readBigUInt64LE(0))).toString());
    expect(Object.keys(header)).toEqual(["z", "y", "x", "a", "b"]);
    expect(header.x.data_offsets).toEqual([12, 16]);
    expect(header.b.data_offsets).toEqual([18, 21]);
  });
});

describe("safetensors files", () => {
  it("round-trips every dtype with shapes and metadata", () => {
    const tensors: TensorMap = {
      "model.embed_tokens.weight": {
        dtype: "F32",
        shape: [2, 3],
        data: new Float32Array([1, -2, 3.5, 4, 5, 6e-8]),
      },
      f64: { dtype: "F64", shape: [2], data: new Float64Array([Math.PI, -0]) },
      f16: { dtype: "F16", shape: [1], data: new Uint16Array([0x3c00]) },
      bf16: { dtype: "BF16", shape: [1], data: new Uint16Array([0x3f80]) },
      i64: { dtype: "I64", shape: [2], data: new BigInt64Array([-(2n ** 40n), 7n]) },
      i32: { dtype: "I32", shape: [1], data: new Int32Array([-5]) },
      u32: { dtype: "U32", shape: [1], data: new Uint32Array([0xffffffff]) },
      i16: { dtype: "I16", shape: [1], data: new Int16Array([-3]) },
      u16: { dtype: "U16", shape: [1], data: new Uint16Array([65535]) },
      i8: { dtype: "I8", shape: [1], data: new Int8Array([-128]) },
      u8: { dtype: "U8", shape: [3], data: new Uint8Array([0, 128, 255]) },
      mask: { dtype: "BOOL", shape: [2], data: new Uint8Array([1, 0]) },
      scalar: { dtype: "F32", shape: [], data: new Float32Array([42]) },
      empty: { dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
    };
    const path = join(dir, "all.safetensors");
    writeSafetensors(path, tensors, { format: "pt" });
    const back = readSafetensors(path);
    expect(back.metadata).toEqual({ format: "pt" });
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) expect(back.tensors[name], name).toEqual(t);
    // I64 sorts above F64 in the reference dtype order, so i64 comes first.
    expect(readSafetensorsHeader(path).entries.f64).toEqual({
      dtype: "F64",
      shape: [2],
      data_offsets: [16, 32],
    });
  });

  it("decodes from memory, even from a misaligned view of the bytes", () => {
    const tensors: TensorMap = {
      w: { dtype: "F64", shape: [2], data: new Float64Array([1.25, -7]) },
      ids: { dtype: "I32", shape: [1], data: new Int32Array([9]) },
    };
    const bytes = encodeSafetensors(tensors, { note: "x" });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeSafetensors(shifted.subarray(3))).toEqual({
      tensors: { ids: tensors.ids, w: tensors.w },
      metadata: { note: "x" },
    });
  });

  it("writes the same bytes whatever order the tensors were given in", () => {
    const a = { dtype: "F32" as const, shape: [1], data: new Float32Array([1]) };
    const b = { dtype: "F32" as const, shape: [1], data: new Float32Array([2]) };
    expect(encodeSafetensors({ a, b }).equals(encodeSafetensors({ b, a }))).toBe(true);
  });

  it("reads a file written by another writer in name order with padding", () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const path = join(dir, "foreign.safetensors");
    writeFileSync(
      path,
      rawFile(
        {
          b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        },
        data,
        3,
      ),
    );
    const { tensors } = readSafetensors(path);
    expect(Array.from(tensors.a.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(tensors.b.data as Float32Array)).toEqual([3]);
  });

  it("refuses tensors whose data does not fit the declared dtype or shape, naming the tensor", () => {
    const path = join(dir, "bad-write.safetensors");
    expect(() =>
      writeSafetensors(path, { w: { dtype: "F32", shape: [2, 2], data: new Float32Array(3) } }),
    ).toThrow(/tensor "w" has shape \[2,2\] \(4 values\) but 3/);
    expect(() =>
      writeSafetensors(path, { w: { dtype: "F32", shape: [2], data: new Float64Array(2) } }),
    ).toThrow(/tensor "w" is F32 but its data is a Float64Array/);
  });
});

describe("safetensors validation names the file and the tensor", () => {
  const data = new Uint8Array(8);
  const cases: Array<[string, Buffer, RegExp]> = [
    ["too short", Buffer.from([1, 2, 3]), /too short/],
    [
      "header past end",
      (() => {
        const b = Buffer.alloc(16);
        b.writeBigUInt64LE(1000n);
        return b;
      })(),
      /header size 1000 runs past the end of the 16-byte file/,
    ],
    [
      "bad json",
      (() => {
        const b = Buffer.alloc(12);
        b.writeBigUInt64LE(4n);
        b.write("{nop", 8);
        return b;
      })(),
      /not valid JSON/,
    ],
    [
      "offsets out of range",
      rawFile({ w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, data),
      /tensor "w": data_offsets \[0,16\] run past the 8-byte data buffer/,
    ],
    [
      "shape vs bytes",
      rawFile({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, data),
      /tensor "w": shape \[3\] of F32 needs 12 bytes but data_offsets \[0,8\] span 8/,
    ],
    [
      "overlap",
      rawFile(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        },
        data,
      ),
      /tensor "b" \[4, 8\) overlaps tensor "a"/,
    ],
    [
      "hole",
      rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, data),
      /bytes \[0, 4\) before tensor "a" belong to no tensor/,
    ],
    [
      "trailing bytes",
      rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, data),
      /8 bytes but tensors cover only 4/,
    ],
    [
      "unknown dtype",
      rawFile({ a: { dtype: "F8_E4M3", shape: [8], data_offsets: [0, 8] } }, data),
      /tensor "a": unsupported dtype "F8_E4M3"/,
    ],
    [
      "non-string metadata",
      rawFile({ __metadata__: { step: 3 } }, new Uint8Array(0)),
      /__metadata__ value "step" is number/,
    ],
  ];
  for (const [label, bytes, message] of cases) {
    it(label, () => {
      const path = join(dir, `${label.replace(/ /g, "-")}.safetensors`);
      writeFileSync(path, bytes);
      expect(() => readSafetensors(path)).toThrow(message);
      expect(() => readSafetensors(path)).toThrow(path);
    });
  }

  it("leaves no temp file behind and keeps the old file when a write is refused", () => {
    const path = join(dir, "keep.safetensors");
    writeSafetensors(path, { w: { dtype: "F32", shape: [1], data: new Float32Array([7]) } });
    const before = readFileSync(path);
    expect(() =>
      writeSafetensors(path, { w: { dtype: "F32", shape: [2], data: new Float32Array(1) } }),
    ).toThrow();
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
