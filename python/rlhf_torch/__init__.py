"""The torch backend of the RLHF platform: the engine's run kinds on PyTorch (pretraining) and TRL (SFT, reward
model, DPO, GRPO), launched with torchrun, reading and writing the engine's files."""

KINDS = ("pretrain", "sft", "reward", "dpo", "grpo")
