"""The engine's seedable generator (packages/engine/src/util/rng.ts: splitmix32 seeding, xoshiro128**), bit for bit,
so the torch backend draws the same validation split and epoch shuffles as the engine from the same seed."""

from __future__ import annotations

MASK = 0xFFFFFFFF


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK


class Rng:
    def __init__(self, seed: int) -> None:
        self.s = [0, 0, 0, 0]
        x = seed & MASK
        for i in range(4):
            x = (x + 0x9E3779B9) & MASK
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK
            self.s[i] = (z ^ (z >> 16)) & MASK

    @classmethod
    def from_state(cls, state: list[int]) -> Rng:
        rng = cls(0)
        rng.s = [int(w) & MASK for w in state]
        return rng

    def state(self) -> list[int]:
        return list(self.s)

    def next_uint32(self) -> int:
        s = self.s
        result = (_rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 9) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def int(self, n: int) -> int:
        """Uniform integer in [0, n): floor(u32 / 2^32 * n) in doubles, as the engine computes it."""
        return int((self.next_uint32() / 4294967296.0) * n)

    def shuffle(self, items: list) -> list:
        """Fisher-Yates in place, the engine's order of draws."""
        for i in range(len(items) - 1, 0, -1):
            j = self.int(i + 1)
            items[i], items[j] = items[j], items[i]
        return items
