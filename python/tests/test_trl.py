"""SFT, DPO, reward model and GRPO through TRL's trainers on snapshot-style JSONL (messages; prompt/chosen/rejected as
message lists for DPO and as strings for the reward model, with k-wise rankings; prompts for GRPO), from a base
checkpoint of this backend: each run completes, streams the engine's metric names and leaves a checkpoint
transformers loads."""

import json

import pytest
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

from conftest import result, run_job

SHORT = {"maxSteps": 2, "batchSize": 2, "logEvery": 1, "learningRate": 1e-3, "maxLength": 64}


def user(text):
    return [{"role": "user", "content": text}]


def reply(text):
    return [{"role": "assistant", "content": text}]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def metrics(events) -> dict[str, float]:
    merged = {}
    for e in events:
        if e["type"] == "metrics":
            merged.update(e["metrics"])
    return merged


def completed(events, rc, stderr) -> dict:
    assert rc == 0, stderr[-3000:] + str(events[-3:])
    res = result(events)
    assert res["status"] == "completed" and res["step"] == res["totalSteps"] > 0
    return res


def test_sft_on_conversations(sft_run):
    rc, events, stderr = sft_run
    res = completed(events, rc, stderr)
    seen = metrics(events)
    assert {"train/loss", "train/lr", "train/grad_norm", "eval/loss"} <= set(seen)
    assert res["lastEval"]["eval/loss"] == seen["eval/loss"]
    model = AutoModelForCausalLM.from_pretrained(res["finalCheckpoint"])
    assert model.config.vocab_size == 261
    engine_config = json.loads(open(f"{res['finalCheckpoint']}/engine_config.json").read())
    assert engine_config["format"] == "rlhf-engine/sft" and engine_config["model"]["vocabSize"] == 261


def test_dpo_on_conversational_pairs(base_checkpoint, tmp_path):
    pairs = [
        ("salt", "here is the salt, please", "salt. go away"),
        ("cup", "the cup, please", "no"),
        ("pen", "here is the pen, please", "pen"),
        ("key", "the key, please", "key, now"),
    ]
    rows = [{"prompt": user(f"get me the {t}"), "chosen": reply(c), "rejected": reply(r)} for t, c, r in pairs]
    data = write_jsonl(tmp_path / "dpo.jsonl", rows)
    config = {"baseCheckpoint": str(base_checkpoint), "data": {"train": data, "validationFraction": 0}, **SHORT}
    rc, events, stderr = run_job(tmp_path, "dpo", config)
    completed(events, rc, stderr)
    first = next(e["metrics"] for e in events if e["type"] == "metrics")
    assert first["train/loss"] == pytest.approx(0.6931472, abs=1e-5)  # log 2: the reference is the starting policy
    assert {"rewards/margins", "rewards/accuracies", "rewards/chosen", "logps/chosen"} <= set(metrics(events))


def test_reward_model_then_grpo(base_checkpoint, tmp_path):
    rankings = [
        {
            "prompt": "get me the salt",
            "responses": ["here is the salt, please", "here is the salt", "go away"],
            "ranks": [0, 1, 2],
        },
        {"prompt": "get me the cup", "chosen": "here is the cup, please", "rejected": "cup"},
    ]
    data = write_jsonl(tmp_path / "rankings.jsonl", rankings)
    config = {
        "baseCheckpoint": str(base_checkpoint),
        "data": {"train": data, "validationFraction": 0},
        **SHORT,
        "pairWeighting": "pair",
    }
    rc, events, stderr = run_job(tmp_path, "reward", config)
    reward = completed(events, rc, stderr)
    assert {"rewards/accuracies", "rewards/margins", "train/loss"} <= set(metrics(events))
    assert AutoModelForSequenceClassification.from_pretrained(reward["finalCheckpoint"]).score.out_features == 1

    prompts = write_jsonl(
        tmp_path / "prompts.jsonl", [{"prompt": user(f"get me the {t}")} for t in ("salt", "cup", "pen", "key")]
    )
    config = {
        "baseCheckpoint": str(base_checkpoint),
        "rewardCheckpoint": reward["finalCheckpoint"],
        "data": {"train": prompts, "validationFraction": 0},
        **SHORT,
        "batchSize": 4,
        "numGenerations": 2,
        "maxCompletionLength": 8,
    }
    rc, events, stderr = run_job(tmp_path, "grpo", config)
    completed(events, rc, stderr)
    assert {"objective/scores", "completions/mean_length", "train/loss"} <= set(metrics(events))
