"""Exact resume: a run killed with SIGKILL after a checkpoint and started again on the same work dir logs the same
losses as an uninterrupted run, bit for bit, with dropout on (so the RNG state must come back too)."""

import json
import os
import signal
import subprocess

from safetensors.torch import load_file

from conftest import command, env, losses, parse, result, run_job, write_job


def read_metrics(work_dir) -> dict[int, float]:
    lines = [json.loads(line) for line in (work_dir / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r["train/loss"] for r in lines}


def test_sigkill_then_resume_equals_an_uninterrupted_run(engine_run, tmp_path):
    ref = engine_run()
    config = {
        **json.loads((ref / "config.json").read_text()),
        "baseCheckpoint": str(ref / "init"),
        "steps": 6,
        "batchSize": 4,
        "evalEvery": 100,
        "checkpointEvery": 3,
    }
    config["model"] = {**config["model"], "dropout": 0.1}
    rc, events, stderr = run_job(tmp_path, "pretrain", config, work_dir=tmp_path / "straight")
    assert rc == 0, stderr[-2000:]
    straight = losses(events)

    job = write_job(tmp_path / "job.json", "pretrain", config)
    work = tmp_path / "killed"
    proc = subprocess.Popen(
        command(job, work, None), env=env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if '"step": 4,' in line and '"progress"' in line:  # past the checkpoint at step 3, inside the next interval
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "".join(seen[-5:])
    assert (work / "checkpoint-3").is_dir() and not (work / "checkpoint-6").exists()

    done = subprocess.run(command(job, work, None), env=env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    resumed = parse(done.stdout)
    assert any("resumed from" in e.get("message", "") and "checkpoint-3" in e["message"] for e in resumed)
    assert sorted(losses(resumed)) == [4, 5, 6]
    assert read_metrics(work) == straight  # steps 1-3 from before the kill, 4-6 from the resumed run
    a = load_file(f"{result(events)['finalCheckpoint']}/model.safetensors")
    b = load_file(f"{result(resumed)['finalCheckpoint']}/model.safetensors")
    assert all((a[k] == b[k]).all() for k in a)
