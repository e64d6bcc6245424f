"""The device check behind scripts/gpu-check.sh: pretrains a GPT-2 124M-sized model (the engine's gpt2-style config at
GPT-2 small's sizes) through the real trainer under torchrun and reports tokens/s, peak memory and model FLOPs
utilisation: bf16 on one GPU, fp16 with the loss scaler on one GPU, then FSDP2 in bf16 on every GPU.

--smoke runs the same phases on CPU with a tiny model in fp32 (1 process, then 2 DDP, then 2 FSDP2), so the script
itself is exercised where there is no GPU; its tokens/s compare 1 and 2 CPU processes, and MFU is not computed."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

from .shards import write_shard

GPT2_SMALL = {
    "preset": "gpt2-style",
    "vocabSize": 50257,
    "contextLength": 1024,
    "width": 768,
    "layers": 12,
    "heads": 12,
}
TINY = {"preset": "gpt2-style", "vocabSize": 256, "contextLength": 64, "width": 64, "layers": 2, "heads": 4}
# Dense bf16/fp16 tensor-core peaks (TFLOP/s) from the vendors' data sheets; GPU_PEAK_TFLOPS overrides.
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "L4": 121.0, "V100": 125.0}


def flops_per_token(m: dict) -> float:
    """PaLM's count (Chowdhery et al. 2022, appendix B): 6 N for the weights plus 12 L d T for attention."""
    d, layers, vocab, ctx = m["width"], m["layers"], m["vocabSize"], m["contextLength"]
    params = vocab * d + ctx * d + layers * (12 * d * d + 13 * d) + 2 * d
    return 6 * params + 12 * layers * d * ctx


def peak_tflops() -> float | None:
    if os.environ.get("GPU_PEAK_TFLOPS"):
        return float(os.environ["GPU_PEAK_TFLOPS"])
    import torch

    name = torch.cuda.get_device_name(0)
    return next((v for k, v in PEAK_TFLOPS.items() if k in name), None)


def run_phase(
    name: str, model: dict, processes: int, strategy: str, precision: str, batch: int, steps: int, tmp: str
) -> dict:
    shard = os.path.join(tmp, "tokens.bin")
    if not os.path.exists(shard):
        tokens = (steps + 2) * batch * processes * (model["contextLength"] + 1) * 2
        write_shard(shard, np.random.default_rng(0).integers(0, model["vocabSize"], tokens))
    config = {
        "data": {"shards": [shard]},
        "model": model,
        "steps": steps,
        "batchSize": batch * processes,
        "schedule": {"lr": 3e-4, "warmupSteps": 2},
        "validationFraction": 0.01,
        "evalEvery": 10**6,
        "checkpointEvery": 10**6,
        "seed": 1,
    }
    job = os.path.join(tmp, f"{name}.json")
    with open(job, "w") as f:
        json.dump({"kind": "pretrain", "config": config, "torch": {"strategy": strategy, "precision": precision}}, f)
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={processes}",
        "-m",
        "rlhf_torch",
        "--job",
        job,
        "--work-dir",
        os.path.join(tmp, name),
    ]
    # torchrun sets one OpenMP thread per worker when it starts several; the single-process phases get the same, so
    # the phases compare processes rather than thread counts (OMP_NUM_THREADS overrides).
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0:
        errors = [e["message"] for e in events if e.get("level") == "error"]
        raise RuntimeError(f"{name} failed ({done.returncode}): {errors or done.stderr[-3000:]}")
    metrics = [e["metrics"] for e in events if e["type"] == "metrics"]
    # The first steps pay for allocator warm-up and kernel selection.
    timed = metrics[min(3, len(metrics) - 1) :]
    return {
        "phase": name,
        "processes": processes,
        "strategy": strategy,
        "precision": precision,
        "tokens_per_s": statistics.median(m["train/tokens_per_s"] for m in timed),
        "peak_memory_gib": max((m.get("train/peak_memory_gib", 0.0) for m in metrics), default=0.0),
        "skipped_steps": metrics[-1].get("train/skipped_steps", 0),
        "final_loss": metrics[-1]["train/loss"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rlhf_torch.gpu_check")
    parser.add_argument("--smoke", action="store_true", help="CPU, tiny model, fp32: checks the script, not a GPU")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--batch", type=int, default=None, help="sequences per process and step")
    args = parser.parse_args(argv)
    import torch

    gpus = torch.cuda.device_count()
    if not args.smoke and gpus == 0:
        print("gpu-check: no CUDA GPU visible; run with --smoke to check the script on CPU", file=sys.stderr)
        return 2
    model = TINY if args.smoke else GPT2_SMALL
    steps = args.steps or (8 if args.smoke else 30)
    batch = args.batch or (8 if args.smoke else 16)
    phases = (
        [("cpu-1-ddp", 1, "ddp", "fp32"), ("cpu-2-ddp", 2, "ddp", "fp32"), ("cpu-2-fsdp", 2, "fsdp", "fp32")]
        if args.smoke
        else [("bf16", 1, "ddp", "bf16"), ("fp16", 1, "ddp", "fp16"), (f"fsdp-bf16-{gpus}gpu", gpus, "fsdp", "bf16")]
    )
    peak = None if args.smoke else peak_tflops()
    per_token = flops_per_token(model)
    results = []
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        for name, processes, strategy, precision in phases:
            r = run_phase(name, model, processes, strategy, precision, batch, steps, tmp)
            r["mfu"] = r["tokens_per_s"] * per_token / (peak * 1e12 * processes) if peak else None
            results.append(r)
            mfu = f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "n/a"
            print(
                f"{name:>16}: {r['tokens_per_s']:>12,.0f} tokens/s  peak {r['peak_memory_gib']:.2f} GiB/GPU  "
                f"MFU {mfu}  skipped {r['skipped_steps']:.0f}  loss {r['final_loss']:.3f}",
                file=sys.stderr,
            )
    device = "cpu (smoke)" if args.smoke else torch.cuda.get_device_name(0)
    print(
        json.dumps(
            {"device": device, "model": model, "flops_per_token": per_token, "peak_tflops": peak, "phases": results}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
