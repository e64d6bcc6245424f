"""SFT, DPO, reward model and GRPO through TRL's trainers on snapshot-style JSONL (messages; prompt/chosen/rejected as
message lists for DPO and as strings for the reward model, with k-wise rankings; prompts for GRPO), from a base
checkpoint of this backend: each run completes, streams the engine's metric names and leaves a checkpoint
transformers loads."""

import json
import signal
import subprocess

import pytest
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

from conftest import command, env, losses, parse, result, run_job, write_job

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


def test_a_cancelled_sft_run_checkpoints_and_resumes(base_checkpoint, tmp_path):
    rows = [{"messages": user(f"get me the {t}") + reply(f"the {t}")} for t in ("salt", "cup", "pen", "key")]
    data = write_jsonl(tmp_path / "sft.jsonl", rows)
    config = {"baseCheckpoint": str(base_checkpoint), "data": {"train": data, "validationFraction": 0}, **SHORT}
    config["maxSteps"] = 4
    job, work = write_job(tmp_path / "job.json", "sft", config), tmp_path / "work"
    proc = subprocess.Popen(command(job, work, None), env=env(), stdout=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if '"progress", "step": 2,' in line:
            proc.send_signal(signal.SIGTERM)
    assert proc.wait() == 75
    cancelled = result(parse("".join(lines)))
    assert cancelled["status"] == "cancelled" and 2 <= cancelled["step"] < 4
    assert AutoModelForCausalLM.from_pretrained(cancelled["finalCheckpoint"]).config.vocab_size == 261

    rc, events, stderr = run_job(tmp_path, "sft", config, work_dir=work)
    completed(events, rc, stderr)
    assert any(f"at step {cancelled['step']}" in e.get("message", "") for e in events)
    assert min(losses(events)) == cancelled["step"] + 1
    logged = [json.loads(line)["step"] for line in (work / "metrics.jsonl").read_text().splitlines()]
    assert sorted(set(logged)) == [1, 2, 3, 4]
