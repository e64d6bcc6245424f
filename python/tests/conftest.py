"""Shared helpers: run a torch-backend job (directly or under torchrun) and read its JSON lines; the engine's parity
outputs (packages/engine/scripts/torch-parity.ts), produced once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
TINY_MODEL = {"preset": "gpt2-style", "vocabSize": 261, "contextLength": 64, "width": 32, "layers": 2, "heads": 4}


def env() -> dict:
    # One thread per process: the suite runs on two shared cores and several processes at once.
    return {
        **os.environ,
        "PYTHONPATH": str(PYTHON_DIR),
        "OMP_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    }


def command(job_path: Path, work_dir: Path, processes: int | None) -> list[str]:
    entry = ["-m", "rlhf_torch", "--job", str(job_path), "--work-dir", str(work_dir)]
    if processes is None:
        return [sys.executable, *entry]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}", *entry]


def write_job(path: Path, kind: str, config: dict, strategy: str = "ddp", precision: str = "fp32") -> Path:
    path.write_text(
        json.dumps({"kind": kind, "config": config, "torch": {"strategy": strategy, "precision": precision}})
    )
    return path


def parse(stdout: str) -> list[dict]:
    """The JSON lines of a run; a library's own prints in between are skipped, as the launcher does."""
    events = []
    for line in stdout.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return [e for e in events if isinstance(e, dict) and "type" in e]


def run_job(
    tmp: Path,
    kind: str,
    config: dict,
    *,
    work_dir: Path | None = None,
    processes: int | None = None,
    strategy: str = "ddp",
    precision: str = "fp32",
    timeout: float = 300,
) -> tuple[int, list[dict], str]:
    """Runs a job to its end: (exit status, JSON lines, stderr). processes=None runs without torchrun."""
    job = write_job(tmp / f"job-{kind}-{strategy}-{processes}.json", kind, config, strategy, precision)
    work = work_dir or tmp / f"work-{kind}-{strategy}-{processes}"
    done = subprocess.run(command(job, work, processes), env=env(), capture_output=True, text=True, timeout=timeout)
    return done.returncode, parse(done.stdout), done.stderr


def losses(events: list[dict], name: str = "train/loss") -> dict[int, float]:
    return {e["step"]: e["metrics"][name] for e in events if e["type"] == "metrics" and name in e["metrics"]}


def result(events: list[dict]) -> dict:
    found = [e for e in events if e["type"] == "result"]
    assert found, f"no result line in {events[-5:]}"
    return found[-1]


@pytest.fixture(scope="session")
def engine_run(tmp_path_factory):
    """The engine's 20-step reference run per preset (shard, initial weights, per-step losses, tokenizer).
    RLHF_ENGINE_PARITY_DIR=<dir> reuses <dir>/<preset> written earlier by the script (a machine without Node)."""
    made: dict[str, Path] = {}
    prepared = os.environ.get("RLHF_ENGINE_PARITY_DIR")

    def get(preset: str = "gpt2-style") -> Path:
        if prepared:
            return Path(prepared) / preset
        if preset not in made:
            out = tmp_path_factory.mktemp(f"engine-{preset}")
            subprocess.run(
                ["npx", "tsx", "scripts/torch-parity.ts", str(out), preset],
                cwd=REPO / "packages" / "engine",
                check=True,
                capture_output=True,
                timeout=300,
            )
            made[preset] = out
        return made[preset]

    return get


@pytest.fixture(scope="session")
def base_checkpoint(tmp_path_factory, engine_run):
    """A tiny chat-capable base model trained by this backend (vocabulary 261: bytes and the engine's specials)."""
    ref = engine_run()
    tmp = tmp_path_factory.mktemp("base")
    config = {
        "data": {"shards": [str(ref / "data.bin")]},
        "tokenizer": str(ref / "tokenizer.json"),
        "model": TINY_MODEL,
        "steps": 4,
        "batchSize": 4,
        "evalEvery": 4,
        "checkpointEvery": 4,
        "seed": 3,
    }
    rc, events, stderr = run_job(tmp, "pretrain", config)
    assert rc == 0, stderr[-2000:]
    return Path(result(events)["finalCheckpoint"])


@pytest.fixture(scope="session")
def sft_run(tmp_path_factory, base_checkpoint):
    """An SFT run through TRL on conversations with a held-out share: (exit status, JSON lines, stderr)."""
    tmp = tmp_path_factory.mktemp("sft")
    things = ["salt", "cup", "pen", "key", "hat", "box"]
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"get me the {t}"},
                {"role": "assistant", "content": f"here is the {t}, please"},
            ]
        }
        for t in things
    ]
    data = tmp / "sft.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = {
        "baseCheckpoint": str(base_checkpoint),
        "data": {"train": str(data), "validationFraction": 0.34},
        "maxSteps": 2,
        "batchSize": 2,
        "logEvery": 1,
        "evalEvery": 2,
        "learningRate": 1e-2,
        "maxLength": 64,
    }
    return run_job(tmp, "sft", config)
