"""Bad jobs are refused before anything trains, with errors that name the field: the checks in-process (cheap), and
once through the command line, which exits with status 2 and an error line."""

import json

import pytest

from conftest import TINY_MODEL, run_job
from rlhf_torch import validate_torch_options
from rlhf_torch.distributed import setup
from rlhf_torch.pretrain import parse_config
from rlhf_torch.trl_jobs import check_strategy
from rlhf_torch.trl_jobs import parse_config as parse_post_training


def error_of(events) -> str:
    errors = [e["message"] for e in events if e["type"] == "log" and e["level"] == "error"]
    assert errors, events
    assert not any(e["type"] == "metrics" for e in events)
    return errors[0]


@pytest.mark.parametrize(
    "patch, world, expected",
    [
        ({"optimizer": {"name": "lamb"}}, 1, "optimizer.name: 'lamb'"),
        ({"batchSize": 6}, 4, "batchSize 6 is not a multiple of processes x microBatches (4 x 1)"),
        (
            {"data": {"shards": ["/nonexistent/train-00000.bin"]}},
            1,
            "data.shards: /nonexistent/train-00000.bin does not exist",
        ),
        ({"modle": {}}, 1, "unrecognized key 'modle'"),
        (
            {"model": {**TINY_MODEL, "norm": "rmsnorm"}},
            1,
            "model.norm: 'rmsnorm' is not expressible in transformers' GPT2",
        ),
        ({"model": {**TINY_MODEL, "heads": 5}}, 1, "model.heads: 5 heads do not divide the width 32"),
    ],
)
def test_bad_pretraining_configs(patch, world, expected, engine_run):
    config = {**json.loads((engine_run() / "config.json").read_text()), **patch}
    with pytest.raises((ValueError, FileNotFoundError)) as e:
        parse_config(config, world)
    assert expected in str(e.value)


@pytest.mark.parametrize(
    "kind, patch, expected",
    [
        ("dpo", {"lossType": "simpo"}, "dpo config: lossType 'simpo' runs on the engine"),
        ("dpo", {"referenceFree": True}, "dpo config: referenceFree runs on the engine"),
        ("grpo", {"rewardFunction": "exact_match"}, "grpo config: rewardFunction 'exact_match' is registered"),
        ("grpo", {}, "grpo config: rewardCheckpoint (a reward model folder) is required"),
        ("sft", {"packnig": True}, "sft config: unrecognized key 'packnig'"),
        ("sft", {"baseCheckpoint": "/nonexistent/base"}, "sft config: baseCheckpoint /nonexistent/base does not exist"),
    ],
)
def test_bad_post_training_configs(kind, patch, expected, tmp_path):
    (tmp_path / "train.jsonl").write_text("{}\n")
    config = {"baseCheckpoint": str(tmp_path), "data": {"train": str(tmp_path / "train.jsonl")}, **patch}
    with pytest.raises((ValueError, FileNotFoundError)) as e:
        parse_post_training(kind, config)
    assert expected in str(e.value)


def test_bad_torch_options():
    with pytest.raises(ValueError, match="torch.strategy: unknown strategy 'tensor'; expected one of ddp, fsdp"):
        validate_torch_options({"strategy": "tensor"})
    with pytest.raises(ValueError, match="torch.precision: unknown precision 'fp8'"):
        validate_torch_options({"precision": "fp8"})
    with pytest.raises(ValueError, match="torch.precision: bf16 needs a CUDA GPU; on CPU use fp32"):
        setup("bf16")
    with pytest.raises(ValueError, match="torch.strategy: fsdp for sft runs needs GPUs"):
        check_strategy("sft", "fsdp", "cpu")


def test_the_command_line_refuses_before_training(engine_run, tmp_path):
    config = json.loads((engine_run() / "config.json").read_text())
    rc, events, _ = run_job(tmp_path, "pretrain", config, strategy="tensor")
    assert rc == 2
    assert "torch.strategy: unknown strategy 'tensor'" in error_of(events)
    rc, events, _ = run_job(tmp_path, "ppo", {})
    assert rc == 2
    assert "job kind 'ppo' is not one the torch backend runs" in error_of(events)
