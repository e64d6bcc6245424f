"""Checkpoint folders in the engine's layout, which are also Hugging Face model folders:

  config.json, generation_config.json  transformers' config (GPT2LMHeadModel / LlamaForCausalLM)
  model.safetensors                    weights, Hugging Face names (the engine's names), metadata format=pt
  tokenizer.json, tokenizer_config.json when the run has a tokenizer
  engine_config.json                   the engine's metadata {format, model, run, data}
  optimizer.safetensors                AdamW moments as the engine names them: exp_avg.<name>, exp_avg_sq.<name>
  trainer_state.json                   the engine's TrainerState (step, epoch, data cursor, histories)
  torch_state.pt                       what exact resume needs beyond that: torch's optimizer state dict, every
                                       rank's RNG states, the fp16 loss scaler

Saving is collective (FSDP2 gathers the full tensors), rank 0 writes into <dir>.tmp-<pid> and renames it into place,
so an interrupted save never leaves half a checkpoint."""

from __future__ import annotations

import json
import os
import re
import shutil

import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict, set_state_dict
from transformers import GenerationConfig, PreTrainedTokenizerFast

from .models import hf_config

CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")
# The engine's ChatML layout (packages/engine/src/tokenizer/chat.ts), with TRL's generation markers so
# assistant-only losses know which tokens are the reply.
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\\n' }}{% else %}{{ message['content'] + '<|im_end|>\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
_FULL = StateDictOptions(full_state_dict=True, cpu_offload=True)


def checkpoint_dir(work_dir: str, step: int) -> str:
    return os.path.join(work_dir, f"checkpoint-{step}")


def latest_checkpoint(work_dir: str) -> tuple[int, str] | None:
    if not os.path.isdir(work_dir):
        return None
    found = [
        (int(m.group(1)), os.path.join(work_dir, n)) for n in os.listdir(work_dir) if (m := CHECKPOINT_RE.match(n))
    ]
    return max(found) if found else None


def load_tokenizer(path: str) -> PreTrainedTokenizerFast:
    """A tokenizer.json (or a folder holding one) as a transformers tokenizer with the engine's special tokens."""
    file = os.path.join(path, "tokenizer.json") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise FileNotFoundError(f"tokenizer: {file} does not exist")
    tok = PreTrainedTokenizerFast(tokenizer_file=file)
    vocab = tok.get_vocab()
    for attr, token in (("eos_token", "<|im_end|>"), ("pad_token", "<pad>"), ("bos_token", "<|endoftext|>")):
        if token in vocab:
            setattr(tok, attr, token)
    if tok.eos_token is None and "<|endoftext|>" in vocab:
        tok.eos_token = "<|endoftext|>"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.chat_template = CHAT_TEMPLATE
    return tok


def write_model_files(out: str, resolved_model: dict, weights: dict[str, torch.Tensor], tokenizer) -> None:
    """The Hugging Face half of a checkpoint (also used for TRL runs' final models)."""
    cfg = hf_config(resolved_model)
    cfg.architectures = ["GPT2LMHeadModel" if resolved_model["layout"] == "gpt2" else "LlamaForCausalLM"]
    if tokenizer is not None:
        cfg.pad_token_id = tokenizer.pad_token_id
        cfg.eos_token_id = tokenizer.eos_token_id
    cfg.save_pretrained(out)
    GenerationConfig.from_model_config(cfg).save_pretrained(out)
    if resolved_model["tiedHead"]:
        weights = {k: v for k, v in weights.items() if k != "lm_head.weight"}
    save_file({k: v.contiguous() for k, v in weights.items()}, os.path.join(out, "model.safetensors"), {"format": "pt"})
    if tokenizer is not None:
        tokenizer.save_pretrained(out)


def save(
    work_dir: str,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    resolved_model: dict,
    engine_config: dict,
    trainer_state: dict,
    extra: dict,
    tokenizer,
) -> str:
    weights, optim_state = get_state_dict(model, optimizer, options=_FULL)
    rng = {"cpu": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state() if torch.cuda.is_available() else None}
    rngs = [None] * dist.get_world_size()
    dist.all_gather_object(rngs, rng)
    out = checkpoint_dir(work_dir, step)
    if dist.get_rank() == 0:
        tmp = f"{out}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        write_model_files(tmp, resolved_model, weights, tokenizer)
        moments = {}
        for name, state in optim_state["state"].items():
            moments[f"exp_avg.{name}"] = state["exp_avg"].contiguous()
            moments[f"exp_avg_sq.{name}"] = state["exp_avg_sq"].contiguous()
        save_file(moments, os.path.join(tmp, "optimizer.safetensors"))
        _write_json(os.path.join(tmp, "engine_config.json"), engine_config)
        _write_json(os.path.join(tmp, "trainer_state.json"), trainer_state)
        torch.save({"optimizer": optim_state, "rng": rngs, **extra}, os.path.join(tmp, "torch_state.pt"))
        if os.path.exists(out):
            shutil.rmtree(out)
        os.replace(tmp, out)
    dist.barrier()
    return out


def load(dir_: str, model: torch.nn.Module, optimizer: torch.optim.Optimizer, resolved_model: dict) -> dict:
    """Restores weights, optimizer and this rank's RNG; returns the checkpoint's trainer state and torch extras."""
    state_path = os.path.join(dir_, "torch_state.pt")
    if not os.path.exists(state_path):
        raise FileNotFoundError(f"resume: {state_path} is missing (not a torch-backend checkpoint)")
    saved = torch.load(state_path, weights_only=False)
    weights = load_weights(dir_, resolved_model)
    set_state_dict(model, optimizer, model_state_dict=weights, optim_state_dict=saved["optimizer"], options=_FULL)
    rng = saved["rng"][dist.get_rank()]
    torch.set_rng_state(rng["cpu"])
    if rng["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    with open(os.path.join(dir_, "trainer_state.json")) as f:
        return {"trainer_state": json.load(f), **saved}


def load_weights(dir_: str, resolved_model: dict) -> dict[str, torch.Tensor]:
    """model.safetensors of an engine or torch checkpoint, with the tied head filled in for transformers."""
    path = os.path.join(dir_, "model.safetensors")
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint: {path} does not exist")
    weights = load_file(path)
    if resolved_model["tiedHead"] and "lm_head.weight" not in weights:
        weights["lm_head.weight"] = weights[
            "transformer.wte.weight" if resolved_model["layout"] == "gpt2" else "model.embed_tokens.weight"
        ]
    return weights


def mark_best(work_dir: str, step: int) -> None:
    link = os.path.join(work_dir, "best")
    tmp = f"{link}.tmp-{os.getpid()}"
    os.symlink(f"checkpoint-{step}", tmp)
    os.replace(tmp, link)


def prune(work_dir: str, keep: int) -> None:
    best = os.path.realpath(os.path.join(work_dir, "best"))
    found = sorted((int(m.group(1)), n) for n in os.listdir(work_dir) if (m := CHECKPOINT_RE.match(n)))
    for _, name in found[:-keep]:
        path = os.path.join(work_dir, name)
        if os.path.realpath(path) != best:
            shutil.rmtree(path)


def _write_json(path: str, value) -> None:
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
