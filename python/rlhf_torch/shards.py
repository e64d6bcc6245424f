"""Reader of the engine's token shards (packages/engine/src/io/shards.ts, format version 1): a 32-byte little-endian
header (magic "RLHFTOK\\0", uint32 version, uint32 bytes per token, uint64 token count, uint64 packed sequence
length) then the tokens. The tokens are memory-mapped, so shards larger than memory train without being read whole."""

from __future__ import annotations

import os
import struct

import numpy as np

MAGIC = b"RLHFTOK\0"
VERSION = 1
HEADER_BYTES = 32


class ShardFormatError(ValueError):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"token shard {path}: {detail}")


def read_shard(path: str, vocab_size: int | None = None) -> np.ndarray:
    """The shard's tokens as a read-only memory map; every id is checked against the vocabulary when it is given."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        raise ShardFormatError(path, f"file is {len(header)} bytes, shorter than the {HEADER_BYTES}-byte header")
    magic, version, width, count, _seq_len = struct.unpack("<8sIIQQ", header)
    if magic != MAGIC:
        raise ShardFormatError(path, f"wrong magic {magic!r}, expected {MAGIC!r} (not a token shard)")
    if version != VERSION:
        raise ShardFormatError(path, f"unsupported version {version}, this reader knows {VERSION}")
    if width not in (2, 4):
        raise ShardFormatError(path, f"bytes per token is {width}, expected 2 or 4")
    expected = HEADER_BYTES + count * width
    if size != expected:
        raise ShardFormatError(
            path, f"header says {count} tokens ({expected} bytes) but the file has {size} bytes (truncated or corrupt)"
        )
    dtype = np.dtype("<u2" if width == 2 else "<u4")
    tokens = (
        np.memmap(path, dtype=dtype, mode="r", offset=HEADER_BYTES, shape=(count,)) if count else np.zeros(0, dtype)
    )
    if vocab_size is not None and count:
        bad = np.flatnonzero(tokens >= vocab_size)
        if bad.size:
            raise ShardFormatError(
                path,
                f"token id {int(tokens[bad[0]])} at position {int(bad[0])} is beyond the vocabulary "
                f"(size {vocab_size})",
            )
    return tokens


def write_shard(path: str, tokens, sequence_length: int = 0) -> None:
    """Writes a shard (tests and tools); uint16 when every id fits."""
    array = np.asarray(tokens)
    dtype = np.dtype("<u2") if array.size == 0 or int(array.max()) <= 0xFFFF else np.dtype("<u4")
    header = struct.pack("<8sIIQQ", MAGIC, VERSION, dtype.itemsize, array.size, sequence_length)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(header)
        f.write(array.astype(dtype).tobytes())
    os.replace(tmp, path)
