"""The Hugging Face side of the engine's interop tests (test/hf/): one process runs a list of jobs.

  python hf_interop.py jobs.json out.json

Each job is one of
  {"op": "load", "folder": ..., "ids": [[...]], "text"?: str, "chat"?: [messages]}
      from_pretrained the engine's folder with the class its config.json names (AutoModelForCausalLM,
      BertForMaskedLM, *ForSequenceClassification) and AutoTokenizer; report the logits of `ids`, how the tokenizer
      encodes `text` and what apply_chat_template gives for `chat`.
  {"op": "grad", "folder": ..., "ids": [[...]], "labels": [[...]]}
      the masked-LM loss (labels -100 = not predicted) of the folder's BertForMaskedLM and its gradient for every
      parameter, by name: {"loss", "grads"}.
  {"op": "save", "kind": "gpt2" | "llama" | "bert", "folder": ..., "config": {...}, "ids": [[...]]}
      build a transformers model of that kind from `config`, perturb every weight (so norms and biases are not their
      initial 1 and 0), save_pretrained it, and report its logits for `ids`.
out.json is a list of results in job order: {"class", "logits", "shape", "encoded"?, "chat_ids"?}.
"""

import json
import sys

import torch
import transformers
from transformers import AutoConfig, AutoTokenizer

torch.set_num_threads(1)


def logits_of(model, ids):
    model.eval()
    with torch.no_grad():
        out = model(input_ids=torch.tensor(ids, dtype=torch.long))
    logits = out.logits.to(torch.float32)
    return {"class": type(model).__name__, "logits": logits.flatten().tolist(), "shape": list(logits.shape)}


def load(job):
    config = AutoConfig.from_pretrained(job["folder"])
    model_class = getattr(transformers, config.architectures[0])
    model = model_class.from_pretrained(job["folder"])
    result = logits_of(model, job["ids"])
    result["config_class"] = type(config).__name__
    if "text" in job or "chat" in job:
        tokenizer = AutoTokenizer.from_pretrained(job["folder"])
        if "text" in job:
            result["encoded"] = tokenizer(job["text"], add_special_tokens=False)["input_ids"]
            result["decoded"] = tokenizer.decode(result["encoded"])
        if "chat" in job:
            ids = tokenizer.apply_chat_template(job["chat"], add_generation_prompt=True, tokenize=True)
            result["chat_ids"] = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        result["special_tokens"] = {
            "pad": tokenizer.pad_token_id,
            "mask": tokenizer.mask_token_id,
            "eos": tokenizer.eos_token_id,
        }
    return result


def grad(job):
    model = transformers.BertForMaskedLM.from_pretrained(job["folder"])
    model.train(False)  # no dropout; gradients still flow
    out = model(input_ids=torch.tensor(job["ids"]), labels=torch.tensor(job["labels"]))
    out.loss.backward()
    grads = {name: p.grad.flatten().tolist() for name, p in model.named_parameters() if p.grad is not None}
    return {"class": type(model).__name__, "loss": out.loss.item(), "grads": grads}


MODELS = {
    "gpt2": (transformers.GPT2Config, transformers.GPT2LMHeadModel),
    "llama": (transformers.LlamaConfig, transformers.LlamaForCausalLM),
    "bert": (transformers.BertConfig, transformers.BertForMaskedLM),
}


def save(job):
    config_class, model_class = MODELS[job["kind"]]
    torch.manual_seed(0)
    model = model_class(config_class(**job["config"]))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(job["folder"])
    return logits_of(model, job["ids"])


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    ops = {"load": load, "grad": grad, "save": save}
    results = [ops[job["op"]](job) for job in jobs]
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
