"""The engine's learning-rate schedule (packages/engine/src/train/schedule.ts): update `step` (0-based) uses Hugging
Face's warmup/decay multiplier at step + 1, the decay ends at lr * min_lr_ratio and stays there."""

from __future__ import annotations

import math


def learning_rate_at(
    step: int, lr: float, warmup_steps: int, total_steps: int, decay: str, min_lr_ratio: float
) -> float:
    if warmup_steps > total_steps:
        raise ValueError(f"schedule: warmupSteps {warmup_steps} exceeds totalSteps {total_steps}")
    s = step + 1
    if s < warmup_steps:
        return lr * s / warmup_steps
    if decay == "constant":
        return lr
    progress = min(1.0, (s - warmup_steps) / max(1, total_steps - warmup_steps))
    shape = 0.5 * (1 + math.cos(math.pi * progress)) if decay == "cosine" else 1 - progress
    return lr * (min_lr_ratio + (1 - min_lr_ratio) * shape)
