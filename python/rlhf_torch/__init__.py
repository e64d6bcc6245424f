"""The torch backend of the RLHF platform: the engine's run kinds on PyTorch (pretraining) and TRL (SFT, reward
model, DPO, GRPO), launched with torchrun, reading and writing the engine's files. This module stays free of heavy
imports, so a bad job is refused before torch loads."""

KINDS = ("pretrain", "sft", "reward", "dpo", "grpo")
STRATEGIES = ("ddp", "fsdp")
PRECISIONS = ("fp32", "bf16", "fp16")


def validate_torch_options(options: dict) -> dict:
    """The launcher validates these with zod first; checked again here because a user may call torchrun directly."""
    strategy = options.get("strategy", "ddp")
    precision = options.get("precision", "fp32")
    if strategy not in STRATEGIES:
        raise ValueError(f"torch.strategy: unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if precision not in PRECISIONS:
        raise ValueError(f"torch.precision: unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    return {"strategy": strategy, "precision": precision}
