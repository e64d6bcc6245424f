"""Interchange: checkpoints written by this backend (pretraining, and an SFT run through TRL) load in the engine, whose
own graph gives transformers' logits within 1e-4."""

import json
import subprocess

import torch
from transformers import AutoModelForCausalLM

from conftest import REPO, result

IDS = [72, 101, 108, 108, 111, 257, 32, 258, 10, 33]
TOLERANCE = 1e-4


def engine_logits(folder) -> torch.Tensor:
    out = subprocess.run(
        ["npx", "tsx", "scripts/torch-parity-logits.ts", str(folder), ",".join(map(str, IDS))],
        cwd=REPO / "packages" / "engine",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    parsed = json.loads(out.stdout.strip().splitlines()[-1])
    return torch.tensor(parsed["logits"]).reshape(parsed["shape"])


def transformers_logits(folder) -> torch.Tensor:
    with torch.no_grad():
        return AutoModelForCausalLM.from_pretrained(folder)(input_ids=torch.tensor([IDS])).logits


def test_torch_checkpoints_load_in_the_engine(base_checkpoint, sft_run):
    rc, events, stderr = sft_run
    assert rc == 0, stderr[-2000:]
    sft = result(events)["finalCheckpoint"]
    for folder in (base_checkpoint, sft):
        ours, engine = transformers_logits(folder), engine_logits(folder)
        worst = (ours - engine).abs().max().item()
        print(f"{folder}: worst logit difference engine vs transformers {worst:.2e}")
        assert ours.shape == engine.shape and worst < TOLERANCE
    assert not torch.allclose(transformers_logits(base_checkpoint), transformers_logits(sft))  # SFT changed the model
