/**
 * Token shards: the one file format between data preparation and training.
 *
 * Layout (all little-endian), version 1:
 *   bytes 0..7    magic "RLHFTOK\0"
 *   bytes 8..11   uint32 format version (1)
 *   bytes 12..15  uint32 bytes per token (2 = uint16, 4 = uint32)
 *   bytes 16..23  uint64 token count
 *   bytes 24..31  uint64 sequence length the tokens were packed for (0 = not packed)
 *   bytes 32..    tokens
 * A 32-byte header keeps the token array aligned for both widths, so a reader can view it without copying.
 *
 * Document boundaries (packed pretraining data) live in a companion file next to the shard, <name>.docs, so the shard
 * layout above, which every reader knows, stays as it is:
 *   bytes 0..7    magic "RLHFDOC\0"
 *   bytes 8..11   uint32 format version (1)
 *   bytes 12..15  uint32 reserved (0)
 *   bytes 16..23  uint64 number of document starts
 *   bytes 24..    uint32 token offsets (ascending) in the shard where a document begins
 * A packed sequence that begins inside a document has no start at its first token: the document began in an earlier
 * sequence. documentStartsInWindow() gives the boundaries of any window; segmentIds() and positionIds() turn them into
 * what a training step needs to mask attention across documents and restart positions at each one (as Llama 3 does).
 */
import {
  closeSync,
  existsSync,
  openSync,
  readSync,
  writeFileSync,
  readFileSync,
  renameSync,
  statSync,
} from "node:fs";

export const SHARD_MAGIC = "RLHFTOK\0";
export const SHARD_VERSION = 1;
export const SHARD_HEADER_BYTES = 32;

export type TokenDtype = "uint16" | "uint32";

export interface ShardHeader {
  version: number;
  dtype: TokenDtype;
  tokenCount: number;
  sequenceLength: number;
}

export class ShardFormatError extends Error {
  constructor(path: string, detail: string) {
    super(`token shard ${path}: ${detail}`);
    this.name = "ShardFormatError";
  }
}

/** Smallest dtype that can hold every id below vocabSize. */
export function dtypeForVocab(vocabSize: number): TokenDtype {
  return vocabSize <= 65536 ? "uint16" : "uint32";
}

export function encodeShardHeader(header: Omit<ShardHeader, "version">): Buffer {
  const buf = Buffer.alloc(SHARD_HEADER_BYTES);
  buf.write(SHARD_MAGIC, 0, "latin1");
  buf.writeUInt32LE(SHARD_VERSION, 8);
  buf.writeUInt32LE(header.dtype === "uint16" ? 2 : 4, 12);
  buf.writeBigUInt64LE(BigInt(header.tokenCount), 16);
  buf.writeBigUInt64LE(BigInt(header.sequenceLength), 24);
  return buf;
}

export function decodeShardHeader(buf: Uint8Array, path: string): ShardHeader {
  if (buf.byteLength < SHARD_HEADER_BYTES) {
    throw new ShardFormatError(
      path,
      `file is ${buf.byteLength} bytes, shorter than the ${SHARD_HEADER_BYTES}-byte header`,
    );
  }
  const b = Buffer.from(buf.buffer, buf.byteOffset, SHARD_HEADER_BYTES);
  const magic = b.toString("latin1", 0, 8);
  if (magic !== SHARD_MAGIC) {
    throw new ShardFormatError(
      path,
      `wrong magic ${JSON.stringify(magic)}, expected ${JSON.stringify(SHARD_MAGIC)} (not a token shard)`,
    );
  }
  const version = b.readUInt32LE(8);
  if (version !== SHARD_VERSION)
    throw new ShardFormatError(path, `unsupported version ${version}, this reader knows ${SHARD_VERSION}`);
  const width = b.readUInt32LE(12);
  if (width !== 2 && width !== 4)
    throw new ShardFormatError(path, `bytes per token is ${width}, expected 2 or 4`);
  return {
    version,
    dtype: width === 2 ? "uint16" : "uint32",
    tokenCount: Number(b.readBigUInt64LE(16)),
    sequenceLength: Number(b.readBigUInt64LE(24)),
  };
}

export const DOCS_MAGIC = "RLHFDOC\0";
export const DOCS_VERSION = 1;

/** The document-boundary companion of a shard: train-00000.bin -> train-00000.docs. */
export function documentsPath(shardPath: string): string {
  return shardPath.replace(/\.bin$/, "") + ".docs";
}

function writeAtomically(path: string, data: Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * Writes a whole shard atomically (temp file then rename), so an interrupted run never leaves half a shard. With
 * `documentStarts`, the .docs companion is written first, so a shard never exists without its boundaries.
 */
export function writeShard(
  path: string,
  tokens: ArrayLike<number>,
  opts: { dtype: TokenDtype; sequenceLength?: number; documentStarts?: ArrayLike<number> },
): void {
  if (opts.documentStarts) writeDocumentStarts(documentsPath(path), opts.documentStarts, tokens.length);
  const data = opts.dtype === "uint16" ? new Uint16Array(tokens.length) : new Uint32Array(tokens.length);
  const max = opts.dtype === "uint16" ? 0xffff : 0xffffffff;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!Number.isInteger(t) || t < 0 || t > max) {
      throw new ShardFormatError(path, `token ${t} at position ${i} does not fit ${opts.dtype}`);
    }
    data[i] = t;
  }
  const header = encodeShardHeader({
    dtype: opts.dtype,
    tokenCount: tokens.length,
    sequenceLength: opts.sequenceLength ?? 0,
  });
  writeAtomically(path, Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

function writeDocumentStarts(path: string, starts: ArrayLike<number>, tokenCount: number): void {
  const body = new Uint32Array(starts.length);
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i];
    if (!Number.isInteger(s) || s < 0 || s >= tokenCount || (i > 0 && s <= starts[i - 1]))
      throw new ShardFormatError(
        path,
        `document start ${s} at index ${i} is not an ascending offset below ${tokenCount}`,
      );
    body[i] = s;
  }
  const header = Buffer.alloc(SHARD_HEADER_BYTES - 8);
  header.write(DOCS_MAGIC, 0, "latin1");
  header.writeUInt32LE(DOCS_VERSION, 8);
  header.writeBigUInt64LE(BigInt(starts.length), 16);
  writeAtomically(path, Buffer.concat([header, Buffer.from(body.buffer)]));
}

/** Offsets where documents begin in a shard, from its .docs companion; undefined when the shard has none. */
export function readDocumentStarts(shardPath: string): Uint32Array | undefined {
  const path = documentsPath(shardPath);
  if (!existsSync(path)) return undefined;
  const buf = readFileSync(path);
  const headerBytes = SHARD_HEADER_BYTES - 8;
  if (buf.byteLength < headerBytes || buf.toString("latin1", 0, 8) !== DOCS_MAGIC)
    throw new ShardFormatError(path, "not a document-boundary file (wrong magic or too short)");
  const version = buf.readUInt32LE(8);
  if (version !== DOCS_VERSION)
    throw new ShardFormatError(path, `unsupported version ${version}, this reader knows ${DOCS_VERSION}`);
  const count = Number(buf.readBigUInt64LE(16));
  if (buf.byteLength !== headerBytes + count * 4)
    throw new ShardFormatError(
      path,
      `header says ${count} document starts but the file has ${buf.byteLength} bytes`,
    );
  const starts = new Uint32Array(count);
  new Uint8Array(starts.buffer).set(buf.subarray(headerBytes));
  return starts;
}

/**
 * Document starts inside the window [start, start + length) of a shard, relative to the window, always beginning
 * with 0: the window's first token starts a segment whether or not a document begins there.
 */
export function documentStartsInWindow(starts: ArrayLike<number>, start: number, length: number): number[] {
  const out = [0];
  // Binary search for the first start at or after the window.
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < starts.length && starts[i] < start + length; i++)
    if (starts[i] > start) out.push(starts[i] - start);
  return out;
}

/** Segment number of each token of a window (0, 0, 1, 1, 1, 2, ...): attention is allowed only within a segment. */
export function segmentIds(windowStarts: readonly number[], length: number): Int32Array {
  const ids = new Int32Array(length);
  for (let s = 0; s < windowStarts.length; s++) ids.fill(s, windowStarts[s], windowStarts[s + 1] ?? length);
  return ids;
}

/** Position of each token within its segment (0, 1, 0, 1, 2, 0, ...): positions restart at each document. */
export function positionIds(windowStarts: readonly number[], length: number): Int32Array {
  const pos = new Int32Array(length);
  for (let s = 0; s < windowStarts.length; s++) {
    const end = windowStarts[s + 1] ?? length;
    for (let i = windowStarts[s]; i < end; i++) pos[i] = i - windowStarts[s];
  }
  return pos;
}

export function readShardHeader(path: string): ShardHeader {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(SHARD_HEADER_BYTES);
    const n = readSync(fd, buf, 0, SHARD_HEADER_BYTES, 0);
    return decodeShardHeader(buf.subarray(0, n), path);
  } finally {
    closeSync(fd);
  }
}

/** Reads a shard's tokens. Checks the header against the file size and, when given, every id against the vocabulary. */
export function readShard(
  path: string,
  opts: { vocabSize?: number } = {},
): { header: ShardHeader; tokens: Uint16Array | Uint32Array } {
  const buf = readFileSync(path);
  const header = decodeShardHeader(buf, path);
  const width = header.dtype === "uint16" ? 2 : 4;
  const expected = SHARD_HEADER_BYTES + header.tokenCount * width;
  if (buf.byteLength !== expected) {
    throw new ShardFormatError(
      path,
      `header says ${header.tokenCount} tokens (${expected} bytes) but the file has ${statSync(path).size} bytes (truncated or corrupt)`,
    );
  }
  // Copy into a fresh, aligned buffer: Buffer pooling does not guarantee alignment for the typed-array view.
  const body = buf.subarray(SHARD_HEADER_BYTES);
  const tokens =
    header.dtype === "uint16" ? new Uint16Array(header.tokenCount) : new Uint32Array(header.tokenCount);
  new Uint8Array(tokens.buffer).set(body);
  if (opts.vocabSize !== undefined) {
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] >= opts.vocabSize) {
        throw new ShardFormatError(
          path,
          `token id ${tokens[i]} at position ${i} is beyond the vocabulary (size ${opts.vocabSize})`,
        );
      }
    }
  }
  return { header, tokens };
}
