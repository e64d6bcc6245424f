"""Writes the tokenizer.json fixtures that the engine's tokenizer tests compare against, trained by the Rust
`tokenizers` library (Python wheel, same Rust core as the npm package). Run from packages/engine:

    $(bash ../../scripts/python-env.sh) scripts/tokenizers/make_fixtures.py

The corpus is written here rather than downloaded, so the fixtures are reproducible offline.
"""

import json
import pathlib

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

OUT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "tokenizers"

CORPUS = [
    "Data preparation turns raw text into training shards for a language model.",
    "Tokenizers split text into pieces that a model can learn from, and back again.",
    "The license grants permission to copy, modify and distribute the software freely.",
    "A unigram language model keeps the pieces that best explain the training text.",
    "Subword regularisation samples a different segmentation of the same sentence each epoch.",
    "Die Daten werden bereinigt, dedupliziert und in Shards geschrieben.",
    "Les données sont nettoyées, dédupliquées puis écrites en fragments.",
    "机器学习模型需要大量的数据。数据需要清洗和去重。",
]


def corpus():
    for i in range(30):
        for line in CORPUS:
            yield f"{line} ({i % 7})"


def byte_level_bpe_default_alphabet():
    """A byte-level BPE trained without `initial_alphabet`: bytes never seen in the corpus have no token."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"], show_progress=False)
    tok.train_from_iterator(corpus(), trainer)
    return tok


def unigram():
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=400,
        special_tokens=["<pad>", "<unk>", "<s>", "</s>"],
        unk_token="<unk>",
        show_progress=False,
    )
    tok.train_from_iterator(corpus(), trainer)
    return tok


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, tok in [
        ("rust-bpe-default-alphabet.json", byte_level_bpe_default_alphabet()),
        ("rust-unigram.json", unigram()),
    ]:
        # Round the JSON through Python so the file is stable and readable (one token per line).
        (OUT / name).write_text(json.dumps(json.loads(tok.to_str()), ensure_ascii=False, indent=1) + "\n")
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
