"""The engine's model config (packages/engine/src/config/model.ts) as a transformers model: gpt2-style runs on
GPT2LMHeadModel, llama-style on LlamaForCausalLM, with the engine's tensor names (which are Hugging Face's), so
weights move between the backends unchanged. Switch combinations neither class can express are refused by name."""

from __future__ import annotations

import math

import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, PretrainedConfig

PRESETS = {
    "gpt2-style": dict(
        layout="gpt2", norm="layernorm", normEps=1e-5, positions="learned", mlp="gelu_tanh", tiedHead=True, bias=True
    ),
    "llama-style": dict(
        layout="llama", norm="rmsnorm", normEps=1e-6, positions="rotary", mlp="swiglu", tiedHead=False, bias=False
    ),
}
DEFAULTS = dict(
    preset="gpt2-style",
    vocabSize=256,
    contextLength=128,
    width=384,
    layers=2,
    heads=6,
    ropeTheta=10000,
    dropout=0.0,
    init="normal",
    attention="causal",
)
KNOWN = set(DEFAULTS) | {
    "kvHeads",
    "mlpHidden",
    "norm",
    "normEps",
    "positions",
    "mlp",
    "tiedHead",
    "bias",
    "init",
    "attention",
    "layout",
    "headDim",
}
EMBEDDING_NAMES = ("wte.weight", "wpe.weight", "embed_tokens.weight")


def resolve_model_config(raw: dict) -> dict:
    """Fills the preset's switches as the engine does; errors name the field."""
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise ValueError(f"model: unrecognized key {unknown[0]!r}")
    c = {**DEFAULTS, **{k: v for k, v in raw.items() if k not in ("layout", "headDim")}}
    if c["preset"] not in PRESETS:
        raise ValueError(f"model.preset: {c['preset']!r} is not one of {sorted(PRESETS)}")
    preset = PRESETS[c["preset"]]
    for key in ("norm", "normEps", "positions", "mlp", "tiedHead", "bias"):
        c.setdefault(key, preset[key])
    c["layout"] = preset["layout"]
    c.setdefault("kvHeads", c["heads"])
    if c["width"] % c["heads"]:
        raise ValueError(f"model.heads: {c['heads']} heads do not divide the width {c['width']}")
    if c["heads"] % c["kvHeads"]:
        raise ValueError(f"model.kvHeads: {c['kvHeads']} key/value heads do not divide the {c['heads']} heads")
    c["headDim"] = c["width"] // c["heads"]
    c.setdefault("mlpHidden", math.ceil(8 * c["width"] / 3 / 8) * 8 if c["mlp"] == "swiglu" else 4 * c["width"])
    if c["attention"] != "causal":
        raise ValueError(
            "model.attention: the torch backend trains causal language models only (masked LM: use the engine)"
        )
    return c


def _require(c: dict, expected: dict, family: str) -> None:
    for key, want in expected.items():
        if c[key] != want:
            raise ValueError(f"model.{key}: {c[key]!r} is not expressible in transformers' {family} (needs {want!r})")


def hf_config(c: dict) -> PretrainedConfig:
    """The transformers config of a resolved engine model config."""
    if c["layout"] == "gpt2":
        _require(c, dict(norm="layernorm", positions="learned", mlp="gelu_tanh", bias=True, kvHeads=c["heads"]), "GPT2")
        if c["mlpHidden"] != 4 * c["width"]:
            _require(c, dict(mlpHidden=4 * c["width"]), "GPT2")
        return GPT2Config(
            vocab_size=c["vocabSize"],
            n_positions=c["contextLength"],
            n_embd=c["width"],
            n_layer=c["layers"],
            n_head=c["heads"],
            n_inner=c["mlpHidden"],
            activation_function="gelu_new",
            layer_norm_epsilon=c["normEps"],
            resid_pdrop=c["dropout"],
            embd_pdrop=c["dropout"],
            attn_pdrop=c["dropout"],
            tie_word_embeddings=c["tiedHead"],
            bos_token_id=None,
            eos_token_id=None,
        )
    _require(c, dict(norm="rmsnorm", positions="rotary", mlp="swiglu", bias=False), "Llama")
    return LlamaConfig(
        vocab_size=c["vocabSize"],
        hidden_size=c["width"],
        intermediate_size=c["mlpHidden"],
        num_hidden_layers=c["layers"],
        num_attention_heads=c["heads"],
        num_key_value_heads=c["kvHeads"],
        head_dim=c["headDim"],
        max_position_embeddings=c["contextLength"],
        rms_norm_eps=c["normEps"],
        rope_theta=c["ropeTheta"],
        attention_dropout=c["dropout"],
        tie_word_embeddings=c["tiedHead"],
        attention_bias=False,
        mlp_bias=False,
        bos_token_id=None,
        eos_token_id=None,
        pad_token_id=None,
    )


def build_model(c: dict) -> torch.nn.Module:
    cls = GPT2LMHeadModel if c["layout"] == "gpt2" else LlamaForCausalLM
    return cls(hf_config(c)).float()


def decays(name: str, param: torch.Tensor, decay_embeddings: bool) -> bool:
    """The engine's rule: matrices decay; norms, biases and (unless opted in) embeddings do not."""
    if param.ndim < 2:
        return False
    return decay_embeddings or not name.endswith(EMBEDDING_NAMES)
