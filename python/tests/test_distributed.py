"""Data parallelism under torchrun over gloo: 2 processes with half the batch each train exactly the model one
process trains on the whole batch (1e-5 per step), and FSDP2 (`fully_shard`) gives DDP's losses (1e-5). The single
process runs without torchrun: the same trainer as a group of one."""

import json

from conftest import losses, result, run_job

TOLERANCE = 1e-5


def test_two_processes_equal_one_and_fsdp_equals_ddp(engine_run, tmp_path):
    ref = engine_run()
    config = {
        **json.loads((ref / "config.json").read_text()),
        "baseCheckpoint": str(ref / "init"),
        "steps": 4,
        "batchSize": 8,
        "evalEvery": 4,
        "checkpointEvery": 4,
    }
    runs = {}
    for name, processes, strategy in (("one", None, "ddp"), ("ddp", 2, "ddp"), ("fsdp", 2, "fsdp")):
        rc, events, stderr = run_job(tmp_path, "pretrain", config, processes=processes, strategy=strategy)
        assert rc == 0, f"{name}: {stderr[-3000:]}"
        assert result(events)["status"] == "completed"
        runs[name] = events
    one, ddp, fsdp = (losses(runs[n]) for n in ("one", "ddp", "fsdp"))
    assert sorted(one) == list(range(1, 5))
    dp = max(abs(ddp[s] - one[s]) for s in one)
    sharded = max(abs(fsdp[s] - ddp[s]) for s in one)
    print(f"worst loss difference: 2 DDP processes vs 1 {dp:.2e}; FSDP2 vs DDP {sharded:.2e}")
    assert dp < TOLERANCE and sharded < TOLERANCE
    for name in ("ddp", "fsdp"):
        assert abs(losses(runs[name], "eval/loss")[4] - losses(runs["one"], "eval/loss")[4]) < TOLERANCE
