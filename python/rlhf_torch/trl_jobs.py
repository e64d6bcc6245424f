"""SFT, reward model, DPO and GRPO through TRL's trainers, from the engine's post-training configs
(packages/engine/src/config/{posttrain,sft,reward,dpo}.ts) and the platform's snapshot JSONL files.

TRL writes its own resumable checkpoints (Hugging Face Trainer layout) under <workDir>/trl/; at the end (or on a
cancel) the model is exported as <workDir>/checkpoint-<step>/ in the engine's layout (HF model folder, tokenizer,
engine_config.json), which is what the platform registers. TRL 1.13 has no PPO trainer: PPO runs on the engine."""

from __future__ import annotations

import functools
import json
import math
import os

import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from .checkpoint import checkpoint_dir, latest_checkpoint, load_tokenizer
from .distributed import Dist, transformer_blocks
from .events import Events

# The engine's post-training defaults (config/posttrain.ts and each kind's TRL learning rate); GRPO is torch-only.
COMMON_DEFAULTS = dict(
    epochs=3,
    maxSteps=None,
    batchSize=8,
    microBatches=1,
    maxLength=1024,
    seed=42,
    logEvery=10,
    evalEvery=500,
    saveEvery=500,
    keepCheckpoints=3,
)
OPTIMIZER_DEFAULTS = dict(
    name="adamw", beta1=0.9, beta2=0.999, eps=1e-8, weightDecay=0.0, decayEmbeddings=False, maxGradNorm=1.0
)
SCHEDULE_DEFAULTS = dict(warmupSteps=0, decay="linear", minLrRatio=0.0)
KIND_DEFAULTS = {
    "sft": dict(learningRate=2e-5, assistantOnlyLoss=True, packing=False),
    "reward": dict(learningRate=1e-4, centerRewardsCoefficient=0.0, marginPerRank=0.0, pairWeighting="prompt"),
    "dpo": dict(
        learningRate=1e-6,
        beta=0.1,
        lossType="sigmoid",
        labelSmoothing=0.0,
        referenceFree=False,
        simpoGamma=0.5,
        rpoAlpha=0.0,
    ),
    # The engine's GrpoConfigSchema (config/grpo.ts), which are TRL's GRPOConfig defaults; the reward comes from
    # `rewardCheckpoint`, a reward model folder of either backend.
    "grpo": dict(
        learningRate=1e-6,
        beta=0.0,
        numGenerations=8,
        maxCompletionLength=256,
        temperature=1.0,
        epsilon=0.2,
        epsilonHigh=None,
        numIterations=1,
        scaleRewards="group",
        lossType="dapo",
        rewardCheckpoint=None,
        rewardFunction=None,
    ),
}
# The engine's runtime and monitors (early stopping, loss spikes, the divergence stop): accepted, not applied here.
ENGINE_ONLY = {"runtime", "outDir", "earlyStopping", "lossSpike", "divergence"}
# DPO losses TRL's DPOTrainer computes (SimPO and ORPO are other TRL trainers, not wired here).
TRL_DPO_LOSSES = ("sigmoid", "ipo", "hinge", "robust")
# TRL's log names -> the engine's metric names; names with a slash are kept, others go under train/ (or eval/).
RENAMES = {
    "loss": "loss",
    "learning_rate": "lr",
    "grad_norm": "grad_norm",
    "epoch": "epoch",
    "accuracy": "rewards/accuracies",
    "margin": "rewards/margins",
    "reward": "objective/scores",
    "kl": "objective/kl",
}


def runner(kind: str):
    return functools.partial(run, kind)


def parse_config(kind: str, raw: dict) -> dict:
    known = (
        set(COMMON_DEFAULTS)
        | set(KIND_DEFAULTS[kind])
        | ENGINE_ONLY
        | {"baseCheckpoint", "data", "optimizer", "schedule"}
    )
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{kind} config: unrecognized key {unknown[0]!r}")
    cfg = {**COMMON_DEFAULTS, **KIND_DEFAULTS[kind], **{k: v for k, v in raw.items() if k not in ENGINE_ONLY}}
    cfg["optimizer"] = {**OPTIMIZER_DEFAULTS, **raw.get("optimizer", {})}
    cfg["schedule"] = {**SCHEDULE_DEFAULTS, **raw.get("schedule", {})}
    data = raw.get("data") or {}
    cfg["data"] = {"validationFraction": 0.05, **data}
    for field, path in (("baseCheckpoint", raw.get("baseCheckpoint")), ("data.train", data.get("train"))):
        if not path:
            raise ValueError(f"{kind} config: {field} is required")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{kind} config: {field} {path} does not exist")
    if kind == "grpo" and cfg["rewardFunction"]:
        raise ValueError(
            f"grpo config: rewardFunction {cfg['rewardFunction']!r} is registered in the engine's code; "
            "the torch backend scores with a reward model (rewardCheckpoint)"
        )
    if kind == "grpo" and not cfg["rewardCheckpoint"]:
        raise ValueError("grpo config: rewardCheckpoint (a reward model folder) is required")
    if cfg["optimizer"]["name"] != "adamw":
        raise ValueError(f"optimizer.name: {cfg['optimizer']['name']!r}: TRL runs use AdamW")
    if kind == "dpo" and cfg["lossType"] not in TRL_DPO_LOSSES:
        raise ValueError(
            f"dpo config: lossType {cfg['lossType']!r} runs on the engine; TRL's DPOTrainer here has "
            f"{', '.join(TRL_DPO_LOSSES)}"
        )
    if kind == "dpo" and cfg["referenceFree"]:
        raise ValueError("dpo config: referenceFree runs on the engine; TRL 1.13's DPOTrainer always has a reference")
    return cfg


def check_strategy(kind: str, strategy: str, device_type: str) -> None:
    """accelerate (under TRL's Trainer) shards with FSDP across GPUs only; on CPU it would quietly run DDP."""
    if strategy == "fsdp" and device_type != "cuda":
        raise ValueError(
            f"torch.strategy: fsdp for {kind} runs needs GPUs (accelerate shards TRL's Trainer across accelerators "
            "only); use ddp on CPU"
        )


def read_jsonl(path: str) -> list[dict]:
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{number}: not JSON ({e.msg})") from None
    if not rows:
        raise ValueError(f"{path}: no examples")
    return rows


def rankings_to_pairs(rows: list[dict], margin_per_rank: float) -> list[dict]:
    """k-wise rankings {"prompt","responses","ranks"} (lower rank is better, equal ranks are ties) become every
    preference pair they imply, as the engine's pairs.ts; pair rows pass through."""
    out = []
    for row in rows:
        if "responses" not in row:
            out.append(row)
            continue
        for i, ri in enumerate(row["ranks"]):
            for j, rj in enumerate(row["ranks"]):
                if ri < rj:
                    pair = {"prompt": row["prompt"], "chosen": row["responses"][i], "rejected": row["responses"][j]}
                    if margin_per_rank > 0:
                        pair["margin"] = margin_per_rank * (rj - ri)
                    out.append(pair)
    return out


def to_dataset(rows: list[dict], path: str) -> Dataset:
    try:
        return Dataset.from_list(rows)
    except (TypeError, ValueError) as e:  # pyarrow's type errors derive from these
        raise ValueError(
            f"{path}: the rows do not share one format ({e}); a file holds either plain strings or message lists"
        ) from None


def datasets_for(kind: str, cfg: dict) -> tuple[Dataset, Dataset | None]:
    data = cfg["data"]
    train = read_jsonl(data["train"])
    validation = read_jsonl(data["validation"]) if data.get("validation") else None
    if kind == "reward":
        train = rankings_to_pairs(train, cfg["marginPerRank"])
        validation = validation and rankings_to_pairs(validation, cfg["marginPerRank"])
    train_ds = to_dataset(train, data["train"])
    if validation is not None:
        return train_ds, to_dataset(validation, data["validation"])
    if data["validationFraction"] > 0 and len(train_ds) > 1:
        split = train_ds.train_test_split(test_size=data["validationFraction"], seed=cfg["seed"])
        return split["train"], split["test"]
    return train_ds, None


def metric_name(key: str) -> str:
    if key == "train_loss":  # the end-of-training summary: the mean over the run, not a step's loss
        return "train/average_loss"
    evaluation = key.startswith("eval_")
    name = key[5:] if evaluation else key.removeprefix("train_")
    name = RENAMES.get(name, name)
    if evaluation:
        return f"eval/{name}"
    return name if "/" in name else f"train/{name}"


class Reporter(TrainerCallback):
    """Streams TRL's logs as the engine's metrics and progress, and turns a cancel request into save-and-stop."""

    def __init__(self, d: Dist, events: Events, cancel) -> None:
        self.d, self.events, self.cancel = d, events, cancel
        self.cancelled = False
        self.last_eval: dict | None = None

    def on_log(self, args, state, control, logs=None, **kwargs):
        record = {
            metric_name(k): v for k, v in (logs or {}).items() if isinstance(v, (int, float)) and math.isfinite(v)
        }
        evals = {k: v for k, v in record.items() if k.startswith("eval/")}
        if evals:
            self.last_eval = evals
        self.events.metrics(state.global_step, record)

    def on_step_end(self, args, state, control, **kwargs):
        self.events.progress(state.global_step, state.max_steps)
        if self.d.any(self.cancel.requested):
            self.cancelled = True
            control.should_save = True
            control.should_training_stop = True


def training_arguments(kind: str, cfg: dict, torch_options: dict, work_dir: str, d: Dist, has_eval: bool, model):
    from trl import DPOConfig, GRPOConfig, RewardConfig, SFTConfig

    # batchSize is the global batch of one update, as in the engine: processes x micro-batches x rows per forward.
    per_rank, remainder = divmod(cfg["batchSize"], d.world * cfg["microBatches"])
    if remainder:
        raise ValueError(
            f"{kind} config: batchSize {cfg['batchSize']} is not a multiple of processes x microBatches "
            f"({d.world} x {cfg['microBatches']})"
        )
    oc, sc = cfg["optimizer"], cfg["schedule"]
    scheduler, scheduler_kwargs = sc["decay"], {}
    if sc["decay"] == "constant":
        scheduler = "constant_with_warmup"
    elif sc["minLrRatio"] > 0:
        if sc["decay"] != "cosine":
            raise ValueError("schedule.minLrRatio: TRL runs support a floor with cosine decay only")
        scheduler, scheduler_kwargs = "cosine_with_min_lr", {"min_lr_rate": sc["minLrRatio"]}
    precision = torch_options["precision"]
    common = dict(
        output_dir=os.path.join(work_dir, "trl"),
        learning_rate=cfg["learningRate"],
        adam_beta1=oc["beta1"],
        adam_beta2=oc["beta2"],
        adam_epsilon=oc["eps"],
        weight_decay=oc["weightDecay"],
        max_grad_norm=oc["maxGradNorm"],
        lr_scheduler_type=scheduler,
        lr_scheduler_kwargs=scheduler_kwargs,
        warmup_steps=sc["warmupSteps"],
        num_train_epochs=cfg["epochs"],
        max_steps=cfg["maxSteps"] or -1,
        per_device_train_batch_size=per_rank,
        gradient_accumulation_steps=cfg["microBatches"],
        per_device_eval_batch_size=per_rank,
        seed=cfg["seed"],
        data_seed=cfg["seed"],
        logging_steps=cfg["logEvery"],
        eval_strategy="steps" if has_eval else "no",
        eval_steps=cfg["evalEvery"],
        save_steps=cfg["saveEvery"],
        save_total_limit=cfg["keepCheckpoints"],
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=d.device.type == "cpu",
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        ddp_backend="nccl" if d.device.type == "cuda" else "gloo",
    )
    if torch_options["strategy"] == "fsdp":
        block = type(transformer_blocks(model)[0]).__name__
        common.update(
            fsdp="full_shard auto_wrap", fsdp_config={"fsdp_version": 2, "transformer_layer_cls_to_wrap": [block]}
        )
    if kind == "sft":
        return SFTConfig(
            **common, max_length=cfg["maxLength"], assistant_only_loss=cfg["assistantOnlyLoss"], packing=cfg["packing"]
        )
    if kind == "reward":
        return RewardConfig(
            **common, max_length=cfg["maxLength"], center_rewards_coefficient=cfg["centerRewardsCoefficient"] or None
        )
    if kind == "dpo":
        loss_type, weights = [cfg["lossType"]], None
        if cfg["rpoAlpha"] > 0:  # RPO: the NLL of the chosen replies added with weight alpha (TRL's "sft" loss)
            loss_type, weights = [cfg["lossType"], "sft"], [1.0, cfg["rpoAlpha"]]
        return DPOConfig(
            **common,
            max_length=cfg["maxLength"],
            beta=cfg["beta"],
            loss_type=loss_type,
            loss_weights=weights,
            label_smoothing=cfg["labelSmoothing"],
        )
    return GRPOConfig(
        **common,
        beta=cfg["beta"],
        num_generations=cfg["numGenerations"],
        max_completion_length=cfg["maxCompletionLength"],
        temperature=cfg["temperature"],
        epsilon=cfg["epsilon"],
        epsilon_high=cfg["epsilonHigh"],
        num_iterations=cfg["numIterations"],
        scale_rewards=cfg["scaleRewards"],
        loss_type=cfg["lossType"],
    )


def run(kind: str, raw_config: dict, torch_options: dict, work_dir: str, d: Dist, events: Events, cancel) -> dict:
    from trl import DPOTrainer, GRPOTrainer, RewardTrainer, SFTTrainer

    cfg = parse_config(kind, raw_config)
    check_strategy(kind, torch_options["strategy"], d.device.type)
    for key in sorted(ENGINE_ONLY & set(raw_config) - {"outDir"}):
        events.log(f"{kind} config: {key} is an engine setting; the torch backend ignores it", "warn")
    if kind == "reward" and cfg["pairWeighting"] == "prompt":
        events.log("reward config: pairWeighting 'prompt' is engine-only; TRL weighs every pair equally", "warn")
    base = cfg["baseCheckpoint"]
    tokenizer = load_tokenizer(base)
    if kind == "reward":
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, dtype=torch.float32)
    else:
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    model.config.pad_token_id = tokenizer.pad_token_id
    train_ds, eval_ds = datasets_for(kind, cfg)
    args = training_arguments(kind, cfg, torch_options, work_dir, d, eval_ds is not None, model)
    reporter = Reporter(d, events, cancel)
    extra = {}
    if kind == "grpo":
        reward_model = AutoModelForSequenceClassification.from_pretrained(
            cfg["rewardCheckpoint"], num_labels=1, dtype=torch.float32
        )
        reward_tokenizer = load_tokenizer(cfg["rewardCheckpoint"])
        reward_model.config.pad_token_id = reward_tokenizer.pad_token_id
        extra = dict(reward_funcs=[reward_model], reward_processing_classes=[reward_tokenizer])
    trainer_cls = {"sft": SFTTrainer, "reward": RewardTrainer, "dpo": DPOTrainer, "grpo": GRPOTrainer}[kind]
    trainer = trainer_cls(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        callbacks=[reporter],
        **extra,
    )
    # The Reporter is the only voice on stdout: the Trainer's own printer writes Python dicts there.
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    sharded = getattr(trainer, "is_fsdp_enabled", False)
    if (torch_options["strategy"] == "fsdp") != sharded:
        raise RuntimeError(
            f"{kind}: asked for strategy {torch_options['strategy']} but the Trainer set up FSDP={sharded}"
        )
    events.log(f"{kind}: {d.world} process(es), {'FSDP2' if sharded else 'DDP'}, {torch_options['precision']}")
    latest = latest_checkpoint(args.output_dir)
    if latest:
        events.truncate_after(latest[0])
        events.log(f"resuming from {latest[1]} at step {latest[0]}")
    trainer.train(resume_from_checkpoint=latest[1] if latest else None)
    step = trainer.state.global_step
    final = checkpoint_dir(work_dir, step)
    trainer.save_model(final)
    if d.is_main:
        tokenizer.save_pretrained(final)
        base_engine = os.path.join(base, "engine_config.json")
        model_cfg = json.load(open(base_engine)).get("model") if os.path.exists(base_engine) else None
        engine_config = {"format": f"rlhf-engine/{kind}", "model": model_cfg, "backend": "torch", "run": raw_config}
        with open(os.path.join(final, "engine_config.json"), "w") as f:
            json.dump(engine_config, f, indent=2)
    return {
        "status": "cancelled" if reporter.cancelled else "completed",
        "step": step,
        "totalSteps": trainer.state.max_steps,
        "finalCheckpoint": final,
        "bestCheckpoint": None,
        "lastEval": reporter.last_eval,
    }
