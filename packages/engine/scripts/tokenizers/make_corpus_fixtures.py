"""Writes the corpus-format fixtures of test/data/collection.test.ts into fixtures/data/collection: a plain JSONL file
and its twins in the formats Node cannot write without extra packages (zstd-compressed JSONL, and Parquet with several
row groups, snappy-compressed as the Hugging Face datasets are). The test writes the gzip, Wikipedia XML and WARC/WET
twins itself. Run from packages/engine:

    $(bash ../../scripts/python-env.sh) scripts/tokenizers/make_corpus_fixtures.py
"""

import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

OUT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "data" / "collection"

DOCS = [
    ("The library reopened on Monday after two years of repairs to its roof and reading rooms.", "https://news.example/library"),
    ("Die Bibliothek hat am Montag nach zwei Jahren Renovierung wieder geöffnet.", "https://nachrichten.example/bibliothek"),
    ("La bibliothèque a rouvert lundi après deux ans de travaux sur le toit.", "https://actu.example/bibliotheque"),
    ("图书馆在屋顶和阅览室修缮两年后于周一重新开放。", "https://xinwen.example/tushuguan"),
    ("Volunteers sorted forty thousand books while the shelves were rebuilt.\nMost of them came back in boxes.", "https://news.example/volunteers"),
    ("A new children's corner has cushions, low shelves and a small stage for readings.", "https://news.example/children"),
    ("Opening hours are longer on Thursdays, when the café on the ground floor stays open until nine.", "https://news.example/hours"),
    ("The council thanked the architects, the builders and the neighbours for their patience. 🎉", "https://news.example/thanks"),
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps({"text": t, "url": u}, ensure_ascii=False) + "\n" for t, u in DOCS)
    (OUT / "docs.jsonl").write_text(lines, encoding="utf-8")
    with pa.CompressedOutputStream(str(OUT / "docs.jsonl.zst"), "zstd") as f:
        f.write(lines.encode("utf-8"))
    table = pa.table({"id": list(range(len(DOCS))), "text": [t for t, _ in DOCS], "url": [u for _, u in DOCS]})
    pq.write_table(table, OUT / "docs.parquet", row_group_size=3, compression="snappy")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
