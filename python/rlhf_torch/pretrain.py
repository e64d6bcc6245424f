"""Causal-LM pretraining on the engine's token shards with the engine's semantics: the same batches for the same
seed (batches.py), AdamW as torch.optim.AdamW with the engine's decay groups and global-norm clipping, the engine's
warmup + decay schedule, evaluation on the validation windows, checkpoints every `checkpointEvery` steps and a
`best` link at each improvement. The global batch (`batchSize` sequences) is split evenly over the ranks, so N
processes train the same model as one with the whole batch."""

from __future__ import annotations

import os
import time

import torch
import torch.nn.functional as F

from . import checkpoint
from .batches import TokenBatches
from .distributed import Dist, autocast, grad_scaler, unwrap, wrap
from .events import Events
from .models import build_model, decays, hf_config, resolve_model_config
from .rng import Rng
from .schedule import learning_rate_at

# The engine's PretrainConfigSchema defaults (packages/engine/src/config/pretrain.ts), for the fields this backend uses.
DEFAULTS = dict(
    objective="causal_lm",
    steps=1000,
    batchSize=16,
    microBatches=1,
    validationFraction=0.1,
    evalEvery=100,
    evalBatches=20,
    checkpointEvery=200,
    keepCheckpoints=3,
    seed=1234,
    logEvery=10,
)
OPTIMIZER_DEFAULTS = dict(
    name="adamw", beta1=0.9, beta2=0.95, eps=1e-8, weightDecay=0.1, decayEmbeddings=False, maxGradNorm=1.0
)
SCHEDULE_DEFAULTS = dict(lr=1e-3, warmupSteps=20, decay="cosine", minLrRatio=0.1)
# Engine fields with no meaning here (ONNX runtime, K steps per session run) or engine-only monitors.
ENGINE_ONLY = {
    "runtime",
    "stepsPerRun",
    "earlyStopping",
    "lossSpike",
    "divergence",
    "maskProbability",
    "maskTokenId",
}
TORCH_ONLY = {"data", "tokenizer", "baseCheckpoint"}
HISTORY_KEPT = 200


def parse_config(raw: dict, world: int = 1) -> dict:
    """The engine's pretraining config for `world` processes; every error names its field."""
    unknown = sorted(set(raw) - set(DEFAULTS) - ENGINE_ONLY - TORCH_ONLY - {"model", "optimizer", "schedule"})
    if unknown:
        raise ValueError(f"pretrain config: unrecognized key {unknown[0]!r}")
    cfg = {**DEFAULTS, **{k: v for k, v in raw.items() if k in DEFAULTS}}
    cfg["model"] = resolve_model_config(raw.get("model", {}))
    cfg["optimizer"] = {**OPTIMIZER_DEFAULTS, **raw.get("optimizer", {})}
    cfg["schedule"] = {**SCHEDULE_DEFAULTS, **raw.get("schedule", {})}
    cfg["shards"] = list((raw.get("data") or {}).get("shards") or [])
    cfg["tokenizer"] = raw.get("tokenizer")
    cfg["baseCheckpoint"] = raw.get("baseCheckpoint")
    if cfg["objective"] != "causal_lm":
        raise ValueError(f"pretrain config: objective {cfg['objective']!r}: the torch backend trains causal_lm only")
    if cfg["optimizer"]["name"] != "adamw":
        raise ValueError(
            f"optimizer.name: {cfg['optimizer']['name']!r}: the torch backend has AdamW only (LAMB: use the engine)"
        )
    hf_config(cfg["model"])  # refuses switches neither GPT-2 nor Llama can express
    if cfg["batchSize"] % (world * cfg["microBatches"]):
        raise ValueError(
            f"pretrain config: batchSize {cfg['batchSize']} is not a multiple of processes x microBatches "
            f"({world} x {cfg['microBatches']})"
        )
    if not cfg["shards"]:
        raise ValueError("pretrain config: data.shards must list the token shard files")
    for path in cfg["shards"]:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"data.shards: {path} does not exist")
    return cfg


def run(raw_config: dict, torch_options: dict, work_dir: str, d: Dist, events: Events, cancel) -> dict:
    cfg = parse_config(raw_config, d.world)
    mc, oc, sc = cfg["model"], cfg["optimizer"], cfg["schedule"]
    strategy, precision = torch_options["strategy"], torch_options["precision"]
    rows_per_rank = cfg["batchSize"] // (d.world * cfg["microBatches"])
    for key in sorted(ENGINE_ONLY & set(raw_config)):
        events.log(f"pretrain config: {key} is an engine setting; the torch backend ignores it", "warn")

    torch.manual_seed(cfg["seed"])
    model = build_model(mc)
    if cfg["baseCheckpoint"]:
        model.load_state_dict(checkpoint.load_weights(cfg["baseCheckpoint"], mc))
    model = wrap(model, strategy, d)
    named = list(unwrap(model).named_parameters())
    decay_flags = [decays(n, p, oc["decayEmbeddings"]) for n, p in named]
    optimizer = torch.optim.AdamW(
        [
            {
                "params": [p for (_, p), f in zip(named, decay_flags, strict=True) if f],
                "weight_decay": oc["weightDecay"],
            },
            {"params": [p for (_, p), f in zip(named, decay_flags, strict=True) if not f], "weight_decay": 0.0},
        ],
        lr=sc["lr"],
        betas=(oc["beta1"], oc["beta2"]),
        eps=oc["eps"],
        foreach=False,
    )
    scaler = grad_scaler(precision, strategy)
    batches = TokenBatches(cfg["shards"], mc["contextLength"], mc["vocabSize"], cfg["validationFraction"], cfg["seed"])
    tokenizer = checkpoint.load_tokenizer(cfg["tokenizer"]) if cfg["tokenizer"] else None

    state = {
        "formatVersion": 1,
        "step": 0,
        "epoch": 0,
        "tokensSeen": 0,
        "rng": Rng((cfg["seed"] ^ 0x2545F491) & 0xFFFFFFFF).state(),
        "dataCursor": batches.cursor(),
        "bestEvalLoss": None,
        "bestStep": None,
        "earlyStopping": {"bestLoss": None, "evalsWithoutImprovement": 0},
        "spikeDetector": {"history": []},
        "lossHistory": [],
        "evalHistory": [],
        "skippedSteps": 0,
        "wallTimeSeconds": 0.0,
    }
    latest = checkpoint.latest_checkpoint(work_dir)
    if latest:
        restored = checkpoint.load(latest[1], model, optimizer, mc)
        state = restored["trainer_state"]
        batches.resume(state["dataCursor"])
        if scaler is not None and restored.get("scaler"):
            scaler.load_state_dict(restored["scaler"])
        events.truncate_after(state["step"])
        events.log(f"resumed from {latest[1]} at step {state['step']}")

    engine_config = {
        "format": "rlhf-engine/pretrain",
        "model": mc,
        "backend": "torch",
        "run": {k: v for k, v in raw_config.items() if k not in TORCH_ONLY},
        "data": {"shards": cfg["shards"]},
    }
    steps = cfg["steps"]

    def lr_at(step: int) -> float:
        return learning_rate_at(step, sc["lr"], min(sc["warmupSteps"], steps), steps, sc["decay"], sc["minLrRatio"])

    tokens_per_step = cfg["batchSize"] * mc["contextLength"]
    started = time.perf_counter() - state["wallTimeSeconds"]
    last_eval = None

    def loss_of(inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        with autocast(precision, d.device):
            logits = model(input_ids=inputs).logits
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))

    def evaluate() -> float | None:
        # The engine's evaluation: at most evalBatches validation batches, the last one possibly smaller, averaged
        # per window. Every rank evaluates the same batches: FSDP2's forward is collective.
        total, windows = 0.0, 0
        model.eval()
        with torch.no_grad():
            for n, (inputs, targets) in enumerate(batches.validation_batches(cfg["batchSize"] // cfg["microBatches"])):
                if n >= cfg["evalBatches"]:
                    break
                loss = loss_of(torch.from_numpy(inputs).to(d.device), torch.from_numpy(targets).to(d.device))
                total += loss.item() * len(inputs)
                windows += len(inputs)
        model.train()
        return total / windows if windows else None

    def save(step: int) -> str:
        state.update(step=step, dataCursor=batches.cursor(), wallTimeSeconds=time.perf_counter() - started)
        out = checkpoint.save(
            work_dir,
            step,
            model,
            optimizer,
            resolved_model=mc,
            engine_config=engine_config,
            trainer_state=state,
            extra={"scaler": scaler.state_dict() if scaler is not None else None},
            tokenizer=tokenizer,
        )
        events.log(f"checkpoint {out}")
        return out

    model.train()
    final = None
    status = "completed"
    while state["step"] < steps:
        t0 = time.perf_counter()
        step = state["step"]
        inputs, targets = batches.next(cfg["batchSize"])
        mine = slice(d.rank * rows_per_rank * cfg["microBatches"], (d.rank + 1) * rows_per_rank * cfg["microBatches"])
        inputs = torch.from_numpy(inputs[mine]).to(d.device)
        targets = torch.from_numpy(targets[mine]).to(d.device)
        lr = lr_at(step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        total = torch.zeros((), device=d.device)
        for k in range(cfg["microBatches"]):
            part = slice(k * rows_per_rank, (k + 1) * rows_per_rank)
            loss = loss_of(inputs[part], targets[part]) / cfg["microBatches"]
            (scaler.scale(loss) if scaler is not None else loss).backward()
            total += loss.detach()
        if scaler is not None:
            scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), oc["maxGradNorm"])
        grad_norm = float(grad_norm.full_tensor() if hasattr(grad_norm, "full_tensor") else grad_norm)
        skipped = False
        if scaler is not None:
            scale = scaler.get_scale()
            scaler.step(optimizer)
            scaler.update()
            skipped = scaler.get_scale() < scale
        else:
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss_value = d.mean(total)
        step += 1
        if not skipped and not (torch.isfinite(torch.tensor(loss_value)) and torch.isfinite(torch.tensor(grad_norm))):
            raise FloatingPointError(
                f"loss is {loss_value} (gradient norm {grad_norm}) at step {step}: training stopped and the last good "
                "checkpoint is kept; lower the learning rate or check the data"
            )
        state.update(
            step=step,
            epoch=batches.epoch,
            tokensSeen=state["tokensSeen"] + tokens_per_step,
            skippedSteps=state["skippedSteps"] + int(skipped),
            lossHistory=(state["lossHistory"] + [{"step": step, "loss": loss_value}])[-HISTORY_KEPT:],
        )
        metrics = {
            "train/loss": loss_value,
            "train/grad_norm": grad_norm,
            "train/lr": lr,
            "train/epoch": batches.epoch,
            "train/tokens_per_s": tokens_per_step / (time.perf_counter() - t0),
        }
        if d.device.type == "cuda":
            metrics["train/peak_memory_gib"] = torch.cuda.max_memory_allocated(d.device) / 2**30
        if scaler is not None:
            metrics.update({"train/skipped_steps": state["skippedSteps"], "train/loss_scale": scaler.get_scale()})
            if skipped:
                metrics["train/skipped_update"] = 1
        improved = False
        if step % cfg["evalEvery"] == 0 or step == steps:
            eval_loss = evaluate()
            if eval_loss is not None:
                last_eval = {"eval/loss": eval_loss, "eval/perplexity": float(torch.tensor(eval_loss).exp())}
                metrics.update(last_eval)
                state["evalHistory"] = (state["evalHistory"] + [{"step": step, "loss": eval_loss}])[-HISTORY_KEPT:]
                improved = state["bestEvalLoss"] is None or eval_loss < state["bestEvalLoss"]
                if improved:
                    state.update(bestEvalLoss=eval_loss, bestStep=step)
        events.metrics(step, metrics)
        events.progress(step, steps)
        cancelled = d.any(cancel.requested)
        if cancelled or improved or step == steps or step % cfg["checkpointEvery"] == 0:
            final = save(step)
            if improved and d.is_main:
                checkpoint.mark_best(work_dir, step)
            if d.is_main:
                checkpoint.prune(work_dir, cfg["keepCheckpoints"])
        if cancelled:
            status = "cancelled"
            break
    if final is None:  # resumed at the last step: nothing left to train
        final = checkpoint.checkpoint_dir(work_dir, state["step"])
    best = os.path.join(work_dir, "best")
    return {
        "status": status,
        "step": state["step"],
        "totalSteps": steps,
        "finalCheckpoint": final,
        "bestCheckpoint": best if os.path.exists(best) else None,
        "lastEval": last_eval,
    }
