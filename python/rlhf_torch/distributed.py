"""Process group, device, parallel wrapper and precision for one run.

torchrun sets RANK / WORLD_SIZE / LOCAL_RANK / LOCAL_WORLD_SIZE and the rendezvous; a plain `python -m rlhf_torch`
(no torchrun) runs as a group of one. NCCL on GPUs, gloo on CPUs. Strategies: DDP (every rank holds the model,
gradients are averaged) or FSDP2 (`fully_shard` per transformer block, then the root: parameters, gradients and
optimizer state are sharded across ranks)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.distributed.fsdp import fully_shard
from torch.nn.parallel import DistributedDataParallel


@dataclass
class Dist:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def mean(self, value: torch.Tensor) -> float:
        """The mean of a scalar over ranks (each rank's loss is the mean over its rows, all ranks have equal rows)."""
        t = value.detach().float().to(self.device).clone()
        dist.all_reduce(t)
        return t.item() / self.world

    def any(self, flag: bool) -> bool:
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())


def setup(precision: str) -> Dist:
    _die_with_parent()
    cuda = torch.cuda.is_available()
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    if cuda and local_world > torch.cuda.device_count():
        raise ValueError(
            f"torch.processes: {local_world} processes on this node but only {torch.cuda.device_count()} GPUs"
        )
    if not cuda and precision != "fp32":
        raise ValueError(f"torch.precision: {precision} needs a CUDA GPU; on CPU use fp32")
    if cuda and precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ValueError("torch.precision: this GPU has no bf16 support; use fp16")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        # Before the process group: NCCL binds each rank to its current device.
        torch.cuda.set_device(device)
    if "RANK" in os.environ:
        dist.init_process_group("nccl" if cuda else "gloo", device_id=device if cuda else None)
    else:
        dist.init_process_group("nccl" if cuda else "gloo", store=dist.HashStore(), rank=0, world_size=1)
    return Dist(dist.get_rank(), dist.get_world_size(), local_rank, device)


def _die_with_parent() -> None:
    """torchrun starts workers in their own sessions: if torchrun itself is killed, SIGKILL them too (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def transformer_blocks(model: torch.nn.Module) -> torch.nn.ModuleList:
    inner = getattr(model, "transformer", None) or model.model
    return inner.h if hasattr(inner, "h") else inner.layers


def wrap(model: torch.nn.Module, strategy: str, d: Dist) -> torch.nn.Module:
    model.to(d.device)
    if strategy == "fsdp":
        for block in transformer_blocks(model):
            fully_shard(block)
        fully_shard(model)
        return model
    return DistributedDataParallel(model, device_ids=[d.local_rank] if d.device.type == "cuda" else None)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if isinstance(model, DistributedDataParallel) else model


def autocast(precision: str, device: torch.device):
    """bf16 / fp16: matmuls in half precision, weights and optimizer stay fp32 (the master copy)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def grad_scaler(precision: str, strategy: str):
    """fp16 needs loss scaling; FSDP2's sharded gradients need the sharded scaler."""
    if precision != "fp16":
        return None
    if strategy == "fsdp":
        from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler

        return ShardedGradScaler()
    return torch.amp.GradScaler("cuda")


class CancelFlag:
    """SIGTERM / SIGINT ask for a checkpoint at the next step boundary; ranks agree through an all-reduce."""

    def __init__(self) -> None:
        self.requested = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum, _frame) -> None:
        self.requested = True
