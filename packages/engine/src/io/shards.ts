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
 */
import { closeSync, openSync, readSync, writeFileSync, readFileSync, renameSync, statSync } from "node:fs";

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

/** Writes a whole shard atomically (temp file then rename), so an interrupted run never leaves half a shard. */
export function writeShard(
  path: string,
  tokens: ArrayLike<number>,
  opts: { dtype: TokenDtype; sequenceLength?: number },
): void {
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
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  renameSync(tmp, path);
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
