#!/usr/bin/env bash
# The torch backend's device check (python/rlhf_torch/gpu_check.py): on a machine with NVIDIA GPUs, pretrains a GPT-2
# 124M-sized model in bf16, then fp16 with the loss scaler, then FSDP2 on every GPU, and prints tokens/s, peak memory
# and MFU (one JSON line on stdout, a table on stderr). Needs only PyTorch, transformers and numpy plus this repository's
# python/ folder: no network, no Node.
#   bash scripts/gpu-check.sh [--steps N] [--batch N]   on a GPU machine
#   bash scripts/gpu-check.sh --smoke                    on CPU: a tiny model in fp32, 1 vs 2 processes (checks the script)
#   PYTHON=/path/to/python   the interpreter (default: .data/venv/bin/python when it exists, else python3)
#   GPU_PEAK_TFLOPS=...      the GPU's dense bf16 peak when the script does not know the card
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$root/.data/venv/bin/python" ]]; then python="$root/.data/venv/bin/python"; else python=python3; fi
fi
export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -m rlhf_torch.gpu_check "$@"
