"""Parity with the engine: the same initial weights, the same shard and seed (hence the same batches), 20 AdamW
steps of causal-LM pretraining in fp32 on CPU; every step's loss within 1e-4 of the engine's."""

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from conftest import losses, result, run_job

LOSS_TOLERANCE = 1e-4


@pytest.mark.parametrize("preset", ["gpt2-style", "llama-style"])
def test_twenty_steps_match_the_engine(preset, engine_run, tmp_path):
    ref = engine_run(preset)
    engine = {int(step): m for step, m in json.loads((ref / "losses.json").read_text()).items()}
    config = {**json.loads((ref / "config.json").read_text()), "baseCheckpoint": str(ref / "init")}
    rc, events, stderr = run_job(tmp_path, "pretrain", config)
    assert rc == 0, stderr[-2000:]
    ours = losses(events)
    assert sorted(ours) == list(range(1, 21)) == sorted(engine)
    diffs = {step: abs(ours[step] - engine[step]["train/loss"]) for step in ours}
    print(f"{preset}: worst train/loss difference {max(diffs.values()):.2e} (step {max(diffs, key=diffs.get)})")
    assert max(diffs.values()) < LOSS_TOLERANCE, diffs
    for step in (10, 20):
        assert losses(events, "eval/loss")[step] == pytest.approx(engine[step]["eval/loss"], abs=LOSS_TOLERANCE)
    assert losses(events, "train/lr") == pytest.approx({s: engine[s]["train/lr"] for s in engine}, rel=1e-12)

    # The final weights agree with the engine's checkpoint, and transformers loads ours as it is.
    final = result(events)["finalCheckpoint"]
    theirs = load_file(str(ref / "engine-run" / "checkpoint-20" / "model.safetensors"))
    mine = load_file(f"{final}/model.safetensors")
    assert sorted(mine) == sorted(theirs)
    worst = max((mine[k] - theirs[k]).abs().max().item() for k in mine)
    print(f"{preset}: worst weight difference after 20 steps {worst:.2e}")
    assert worst < 1e-3
    model = AutoModelForCausalLM.from_pretrained(final)
    assert type(model).__name__ == ("GPT2LMHeadModel" if preset == "gpt2-style" else "LlamaForCausalLM")
    with torch.no_grad():
        logits = model(input_ids=torch.arange(8).unsqueeze(0)).logits
    assert torch.isfinite(logits).all() and logits.shape == (1, 8, 256)
