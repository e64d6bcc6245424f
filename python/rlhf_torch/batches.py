"""Training batches from token shards, the engine's TokenBatches (packages/engine/src/train/batches.ts) draw for draw:
the stream is cut into disjoint windows of seq_len + 1 tokens, a seeded draw holds some out for validation, and the
training windows are shuffled each epoch by Rng(seed + epoch). So (seed, epoch, position) pins every later batch,
and the same shards and seed give the engine's batches."""

from __future__ import annotations

import bisect

import numpy as np

from .rng import Rng
from .shards import read_shard

# Salts the split seed so the split draw never replays an epoch shuffle (the engine's SPLIT_SEED_SALT).
SPLIT_SEED_SALT = 0x5F1F0000


class TokenBatches:
    def __init__(self, paths: list[str], seq_len: int, vocab_size: int, validation_fraction: float, seed: int) -> None:
        if not paths:
            raise ValueError("data.shards: no shard files given")
        self.seq_len = seq_len
        self.seed = seed
        self.segments = [read_shard(p, vocab_size) for p in paths]
        self.starts = list(np.cumsum([0] + [len(s) for s in self.segments[:-1]]))
        total = sum(len(s) for s in self.segments)
        windows = total // (seq_len + 1)
        validation = max(1, round(validation_fraction * windows)) if validation_fraction > 0 else 0
        if windows - validation < 1:
            raise ValueError(
                f"data.shards: {total} tokens make {windows} windows of seqLen + 1 = {seq_len + 1} tokens; after "
                f"holding out {validation} for validation none is left to train on "
                "(more data or a shorter contextLength)"
            )
        order = Rng((seed ^ SPLIT_SEED_SALT) & 0xFFFFFFFF).shuffle(list(range(windows)))
        self.validation_windows = sorted(order[:validation])
        self.train_windows = sorted(order[validation:])
        self.epoch = 0
        self.position = 0
        self._order: tuple[int, list[int]] | None = None

    def cursor(self) -> dict:
        return {"seed": self.seed, "epoch": self.epoch, "position": self.position}

    def resume(self, cursor: dict) -> None:
        if cursor["seed"] != self.seed:
            raise ValueError(f"resume: the data cursor's seed {cursor['seed']} is not this run's seed {self.seed}")
        if cursor["position"] > len(self.train_windows):
            raise ValueError(
                f"resume: position {cursor['position']} is past the {len(self.train_windows)} training sequences "
                "of an epoch (different data?)"
            )
        self.epoch, self.position = cursor["epoch"], cursor["position"]

    def next(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """inputs, targets: int64 [batch_size, seq_len]; an epoch boundary inside a batch continues into the next."""
        rows = []
        for _ in range(batch_size):
            if self.position >= len(self.train_windows):
                self.epoch += 1
                self.position = 0
            rows.append(self._window(self._epoch_order()[self.position]))
            self.position += 1
        return _split(rows)

    def validation_batches(self, batch_size: int):
        for first in range(0, len(self.validation_windows), batch_size):
            yield _split([self._window(w) for w in self.validation_windows[first : first + batch_size]])

    def _epoch_order(self) -> list[int]:
        if self._order is None or self._order[0] != self.epoch:
            self._order = (self.epoch, Rng((self.seed + self.epoch) & 0xFFFFFFFF).shuffle(list(self.train_windows)))
        return self._order[1]

    def _window(self, window: int) -> np.ndarray:
        start = window * (self.seq_len + 1)
        need = self.seq_len + 1
        segment = bisect.bisect_right(self.starts, start) - 1
        local = start - self.starts[segment]
        parts = []
        while need:
            # An empty or exhausted shard just moves on to the next one, as the engine's reader does.
            piece = self.segments[segment][local : local + need]
            parts.append(np.asarray(piece, dtype=np.int64))
            need -= len(piece)
            segment, local = segment + 1, 0
        return np.concatenate(parts)


def _split(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    stacked = np.stack(rows)
    return stacked[:, :-1], stacked[:, 1:]
