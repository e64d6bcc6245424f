"""Entry point of every worker: `torchrun --nproc_per_node N -m rlhf_torch --job job.json --work-dir DIR`.

job.json: {"kind": "pretrain" | "sft" | "reward" | "dpo" | "grpo", "config": {...the engine's config for that kind...},
           "torch": {"strategy": "ddp" | "fsdp", "precision": "fp32" | "bf16" | "fp16"}}
The same work dir again resumes from its latest checkpoint. Exit status: 0 completed, 75 cancelled (checkpoint
written), 2 bad job, 1 failed."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from . import KINDS, validate_torch_options
from .events import CANCELLED_EXIT_CODE, Events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rlhf_torch")
    parser.add_argument("--job", required=True, help="job JSON: kind, config, torch options")
    parser.add_argument("--work-dir", required=True, help="checkpoints, metrics.jsonl; the same folder resumes")
    args = parser.parse_args(argv)
    is_main = os.environ.get("RANK", "0") == "0"
    os.makedirs(args.work_dir, exist_ok=True)
    events = Events(args.work_dir, is_main)
    try:
        with open(args.job) as f:
            job = json.load(f)
        kind = job.get("kind")
        if kind not in KINDS:
            raise ValueError(
                f"job kind {kind!r} is not one the torch backend runs ({', '.join(KINDS)}; PPO: use the engine)"
            )
        options = validate_torch_options(job.get("torch") or {})
    except (OSError, ValueError) as e:
        events.log(str(e), "error")
        return 2
    # Heavy imports after the cheap checks, so a bad job fails in milliseconds.
    import torch.distributed as dist

    from .distributed import CancelFlag, setup

    cancel = CancelFlag()
    try:
        d = setup(options["precision"])
    except ValueError as e:
        events.log(str(e), "error")
        return 2
    try:
        if kind == "pretrain":
            from .pretrain import run
        else:
            from .trl_jobs import runner

            run = runner(kind)
        result = run(job.get("config") or {}, options, args.work_dir, d, events, cancel)
        events.result(**result)
        return CANCELLED_EXIT_CODE if result["status"] == "cancelled" else 0
    except (ValueError, FileNotFoundError) as e:
        events.log(str(e), "error")
        return 2
    except Exception as e:  # noqa: BLE001 - reported to the launcher, then the process fails
        events.log(f"{type(e).__name__}: {e}\n{traceback.format_exc()}", "error")
        return 1
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
