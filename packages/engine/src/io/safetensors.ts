/**
 * safetensors (https://github.com/huggingface/safetensors), the weight format Hugging Face loads:
 *   bytes 0..7   uint64 LE: N, the header size
 *   bytes 8..8+N UTF-8 JSON: { "__metadata__"?: {string: string}, name: {dtype, shape, data_offsets: [begin, end]} }
 *   then the byte buffer; offsets are relative to its start, little-endian, and must cover it with no holes.
 * Written like the reference Rust writer: the header is padded with spaces to a multiple of 8 bytes and tensors are
 * ordered by dtype (widest first, in the reference's dtype order), then by name: every tensor is aligned and the
 * bytes match the reference writer's.
 * No npm package for this is kept up to date, hence these few lines. Typed arrays use the host byte order, which is
 * little-endian on every platform Node supports.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from "node:fs";

export type SafetensorsDtype =
  "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U32" | "U16" | "U8" | "BOOL";

/** F16 and BF16 are carried as their raw 16-bit patterns; BOOL as one byte per value. */
export type TensorData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

export interface Tensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

export type TensorMap = Record<string, Tensor>;

interface DtypeInfo {
  bytes: number;
  make: (length: number) => TensorData;
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  F64: { bytes: 8, make: (n) => new Float64Array(n) },
  I64: { bytes: 8, make: (n) => new BigInt64Array(n) },
  F32: { bytes: 4, make: (n) => new Float32Array(n) },
  I32: { bytes: 4, make: (n) => new Int32Array(n) },
  U32: { bytes: 4, make: (n) => new Uint32Array(n) },
  F16: { bytes: 2, make: (n) => new Uint16Array(n) },
  BF16: { bytes: 2, make: (n) => new Uint16Array(n) },
  I16: { bytes: 2, make: (n) => new Int16Array(n) },
  U16: { bytes: 2, make: (n) => new Uint16Array(n) },
  I8: { bytes: 1, make: (n) => new Int8Array(n) },
  U8: { bytes: 1, make: (n) => new Uint8Array(n) },
  BOOL: { bytes: 1, make: (n) => new Uint8Array(n) },
};

export class SafetensorsError extends Error {
  constructor(path: string, detail: string) {
    super(`safetensors ${path}: ${detail}`);
    this.name = "SafetensorsError";
  }
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkTensor(path: string, name: string, t: Tensor): void {
  const info = DTYPES[t.dtype];
  if (!info)
    throw new SafetensorsError(path, `tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SafetensorsError(
      path,
      `tensor "${name}" has shape ${JSON.stringify(t.shape)}; dimensions must be non-negative integers`,
    );
  }
  const expectedClass = info.make(0).constructor;
  if (t.data.constructor !== expectedClass) {
    throw new SafetensorsError(
      path,
      `tensor "${name}" is ${t.dtype} but its data is a ${t.data.constructor.name}, expected ${expectedClass.name}`,
    );
  }
  if (t.data.length !== elementCount(t.shape)) {
    throw new SafetensorsError(
      path,
      `tensor "${name}" has shape [${t.shape}] (${elementCount(t.shape)} values) but ${t.data.length} values of data`,
    );
  }
}

/** The reference writer's dtype order (its enum order: increasing alignment); tensors are laid out in reverse. */
const DTYPE_RANK: SafetensorsDtype[] = [
  "BOOL",
  "U8",
  "I8",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
];

/** Names in the order they are laid out: larger elements first keeps every tensor aligned to its element size. */
function layoutOrder(tensors: TensorMap): string[] {
  return Object.keys(tensors).sort((a, b) => {
    const byDtype = DTYPE_RANK.indexOf(tensors[b].dtype) - DTYPE_RANK.indexOf(tensors[a].dtype);
    return byDtype !== 0 ? byDtype : Buffer.compare(Buffer.from(a), Buffer.from(b));
  });
}

/** The header (size and space-padded JSON) and the tensors' bytes, in file order. */
function layout(
  tensors: TensorMap,
  metadata: Record<string, string> | undefined,
  path: string,
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const names = layoutOrder(tensors);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === "__metadata__")
      throw new SafetensorsError(path, `"__metadata__" is reserved and cannot name a tensor`);
    const t = tensors[name];
    checkTensor(path, name, t);
    const end = offset + t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    offset = end;
  }
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const head = Buffer.alloc(8 + Math.ceil(json.length / 8) * 8, 0x20);
  head.writeBigUInt64LE(BigInt(head.length - 8), 0);
  json.copy(head, 8);
  return [head, ...chunks];
}

export function encodeSafetensors(
  tensors: TensorMap,
  metadata?: Record<string, string>,
  path = "<memory>",
): Buffer {
  return Buffer.concat(layout(tensors, metadata, path));
}

/** Writes durably and atomically: a temp file in the same folder, fsync, then rename over the target. */
export function writeFileAtomic(path: string, content: string | Uint8Array | Uint8Array[]): void {
  const chunks =
    typeof content === "string"
      ? [Buffer.from(content, "utf8")]
      : Array.isArray(content)
        ? content
        : [content];
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    for (const chunk of chunks) {
      for (let written = 0; written < chunk.byteLength;)
        written += writeSync(fd, chunk, written, chunk.byteLength - written);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Streams the tensors to disk without first concatenating them, so peak memory stays at the weights themselves. */
export function writeSafetensors(path: string, tensors: TensorMap, metadata?: Record<string, string>): void {
  writeFileAtomic(path, layout(tensors, metadata, path));
}

interface HeaderEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  entries: Record<string, HeaderEntry>;
  /** Where the byte buffer starts in the file. */
  dataStart: number;
}

function parseHeader(bytes: Uint8Array, fileSize: number, path: string): SafetensorsHeader {
  if (fileSize < 8)
    throw new SafetensorsError(path, `file is ${fileSize} bytes, too short for the 8-byte header size`);
  const headerSize = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  if (8 + headerSize > fileSize) {
    throw new SafetensorsError(
      path,
      `header size ${headerSize} runs past the end of the ${fileSize}-byte file (truncated or not safetensors)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerSize).toString("utf8"));
  } catch (err) {
    throw new SafetensorsError(path, `header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new SafetensorsError(path, "header is not a JSON object");
  const bufferSize = fileSize - 8 - headerSize;
  const metadata: Record<string, string> = {};
  const entries: Record<string, HeaderEntry> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (typeof v !== "string")
          throw new SafetensorsError(path, `__metadata__ value "${k}" is ${typeof v}, must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries[name] = validateEntry(path, name, value, bufferSize);
  }
  checkCoverage(path, entries, bufferSize);
  return { metadata, entries, dataStart: 8 + headerSize };
}

function validateEntry(path: string, name: string, value: unknown, bufferSize: number): HeaderEntry {
  const e = value as Partial<HeaderEntry> | null;
  if (!e || typeof e !== "object")
    throw new SafetensorsError(path, `tensor "${name}": header entry is not an object`);
  if (typeof e.dtype !== "string" || !(e.dtype in DTYPES)) {
    throw new SafetensorsError(
      path,
      `tensor "${name}": unsupported dtype ${JSON.stringify(e.dtype)} (known: ${Object.keys(DTYPES).join(", ")})`,
    );
  }
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(
      path,
      `tensor "${name}": shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`,
    );
  }
  const offs = e.data_offsets;
  if (
    !Array.isArray(offs) ||
    offs.length !== 2 ||
    !offs.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offs[0] > offs[1]
  ) {
    throw new SafetensorsError(
      path,
      `tensor "${name}": data_offsets ${JSON.stringify(offs)} must be [begin, end] with 0 <= begin <= end`,
    );
  }
  if (offs[1] > bufferSize) {
    throw new SafetensorsError(
      path,
      `tensor "${name}": data_offsets [${offs}] run past the ${bufferSize}-byte data buffer`,
    );
  }
  const expected = elementCount(e.shape) * DTYPES[e.dtype].bytes;
  if (offs[1] - offs[0] !== expected) {
    throw new SafetensorsError(
      path,
      `tensor "${name}": shape [${e.shape}] of ${e.dtype} needs ${expected} bytes but data_offsets [${offs}] span ${offs[1] - offs[0]}`,
    );
  }
  return { dtype: e.dtype, shape: e.shape, data_offsets: [offs[0], offs[1]] };
}

/** The spec requires the tensors to tile the data buffer exactly: no overlaps, no holes. */
function checkCoverage(path: string, entries: Record<string, HeaderEntry>, bufferSize: number): void {
  const spans = Object.entries(entries).sort(
    (a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1],
  );
  let end = 0;
  let previous = "";
  for (const [name, e] of spans) {
    const [begin, stop] = e.data_offsets;
    if (begin < end)
      throw new SafetensorsError(
        path,
        `tensor "${name}" [${begin}, ${stop}) overlaps tensor "${previous}" ending at ${end}`,
      );
    if (begin > end)
      throw new SafetensorsError(
        path,
        `bytes [${end}, ${begin}) before tensor "${name}" belong to no tensor`,
      );
    end = stop;
    previous = name;
  }
  if (end !== bufferSize)
    throw new SafetensorsError(path, `the data buffer has ${bufferSize} bytes but tensors cover only ${end}`);
}

export function decodeSafetensors(
  bytes: Uint8Array,
  path = "<memory>",
): { tensors: TensorMap; metadata: Record<string, string> } {
  const header = parseHeader(bytes, bytes.byteLength, path);
  return {
    metadata: header.metadata,
    tensors: allocateTensors(header, (target, position) =>
      target.set(bytes.subarray(position, position + target.byteLength)),
    ),
  };
}

/** Tensors in name order, each in a fresh aligned buffer filled by `fill(bytes, position in the file)`. */
function allocateTensors(
  header: SafetensorsHeader,
  fill: (target: Uint8Array, position: number) => void,
): TensorMap {
  const tensors: TensorMap = {};
  for (const name of Object.keys(header.entries).sort()) {
    const e = header.entries[name];
    const data = DTYPES[e.dtype].make(elementCount(e.shape));
    fill(new Uint8Array(data.buffer), header.dataStart + e.data_offsets[0]);
    tensors[name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return tensors;
}

/** Reads and validates a file, each tensor straight into its own typed array (no whole-file buffer). */
export function readSafetensors(path: string): { tensors: TensorMap; metadata: Record<string, string> } {
  const fd = openSync(path, "r");
  try {
    const header = readHeader(fd, path);
    const tensors = allocateTensors(header, (target, position) => {
      for (let done = 0; done < target.byteLength;) {
        const n = readSync(fd, target, done, target.byteLength - done, position + done);
        if (n === 0) throw new SafetensorsError(path, "file ended early (changed while reading?)");
        done += n;
      }
    });
    return { tensors, metadata: header.metadata };
  } finally {
    closeSync(fd);
  }
}

/** Reads only the header (names, dtypes, shapes, metadata) without loading the weights. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openSync(path, "r");
  try {
    return readHeader(fd, path);
  } finally {
    closeSync(fd);
  }
}

function readHeader(fd: number, path: string): SafetensorsHeader {
  const fileSize = fstatSync(fd).size;
  const sizeBytes = Buffer.alloc(8);
  readSync(fd, sizeBytes, 0, 8, 0);
  if (fileSize < 8) return parseHeader(sizeBytes, fileSize, path);
  const headerSize = Number(sizeBytes.readBigUInt64LE(0));
  const bytes = Buffer.alloc(8 + Math.min(headerSize, fileSize - 8));
  readSync(fd, bytes, 0, bytes.length, 0);
  return parseHeader(bytes, fileSize, path);
}
