"""Times the Rust `tokenizers` UnigramTrainer (Python wheel) on a text file, for `npm run bench:data`.

    python train_unigram.py CORPUS VOCAB_SIZE OUT_JSON

Paragraphs (blank-line separated) are the training texts, with the same Metaspace pre-tokenizer, unknown token and
special tokens as the engine's `trainUnigram` defaults. Prints {"seconds", "cpu_seconds" (all threads), "vocab_size"}
as JSON.
"""

import json
import sys
import time

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers


def main():
    corpus, vocab_size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(corpus, encoding="utf-8") as f:
        paragraphs = f.read().split("\n\n")
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>", "<mask>", "<unk>"]
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size, special_tokens=specials, unk_token="<unk>", show_progress=False
    )
    started = time.perf_counter()
    cpu_started = time.process_time()
    tok.train_from_iterator(paragraphs, trainer)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    tok.save(out)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "vocab_size": tok.get_vocab_size()}))


if __name__ == "__main__":
    main()
