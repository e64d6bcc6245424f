import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  loadTokenizer,
  trainWordPiece,
  WordPieceTokenizer,
  WORDPIECE_SPECIAL_TOKENS as WORDPIECE_SPECIALS,
} from "../../src/tokenizer/index.js";
import { bertPreTokenize } from "../../src/tokenizer/wordpiece.js";
import { bertNormalizer } from "../../src/tokenizer/normalizers.js";
import { MULTILINGUAL, trainingCorpus } from "./texts.js";

const { Tokenizer: HfTokenizer } = createRequire(import.meta.url)(
  "tokenizers",
) as typeof import("tokenizers");

/** WordPiece drops whitespace by design, so its round trip is over the normalized, pre-tokenized words. */
function words(text: string): string[] {
  const out: string[] = [];
  bertPreTokenize(
    bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false })(
      text,
    ),
    (w) => out.push(w),
  );
  return out;
}

describe("WordPiece", () => {
  it("spells every word of the multilingual text with ## continuation pieces and no unknown token", async () => {
    const tok = await trainWordPiece(trainingCorpus(), { vocabSize: 500 });
    const ids = tok.encode(MULTILINGUAL);
    expect(ids).not.toContain(tok.tokenToId("[UNK]"));
    const pieces = ids.map((id) => tok.idToToken(id)!);
    expect(pieces.some((p) => p.startsWith("##"))).toBe(true);
    // Glue continuation pieces back: the words come back exactly.
    const rebuilt: string[] = [];
    for (const p of pieces) {
      if (p.startsWith("##")) rebuilt[rebuilt.length - 1] += p.slice(2);
      else rebuilt.push(p);
    }
    expect(rebuilt).toEqual(words(MULTILINGUAL));
  });

  it("gives the unknown token for a word whose characters were never seen", async () => {
    const tok = await trainWordPiece(["hello world hello world"], { vocabSize: 100, minFrequency: 1 });
    expect(tok.encode("hello ☃x")).toEqual([tok.tokenToId("hello"), tok.tokenToId("[UNK]")]);
  });

  it.each([false, true])(
    "exported tokenizer.json (lowercase %s) loads in the tokenizers package with identical ids and text",
    async (lowercase) => {
      const tok = await trainWordPiece(trainingCorpus(), { vocabSize: 800, lowercase });
      const hf = HfTokenizer.fromString(tok.toJSON());
      const text = MULTILINGUAL + " [SEP] tail";
      const enc = await hf.encode(text);
      expect(enc.getIds()).toEqual(tok.encode(text));
      expect(await hf.decode(enc.getIds(), true)).toBe(tok.decode(enc.getIds(), { skipSpecialTokens: true }));
      expect(hf.getVocabSize(true)).toBe(tok.vocabSize);
    },
  );

  it("loads back from tokenizer.json, lowercasing when trained so", async () => {
    const tok = await trainWordPiece(trainingCorpus(), { vocabSize: 600, lowercase: true });
    const again = loadTokenizer(tok.toJSON());
    expect(again).toBeInstanceOf(WordPieceTokenizer);
    expect(again.encode("THE License")).toEqual(tok.encode("the license"));
    expect(again.decode(again.encode("The license, it's here."))).toBe("the license, it ' s here.");
  });
});

describe("tokenizer.json that cannot be reproduced exactly", () => {
  it("is refused with the unsupported field named", () => {
    expect(() => loadTokenizer(JSON.stringify({ model: { type: "WordLevel", vocab: {} } }))).toThrow(
      /model\.type "WordLevel" is not supported/,
    );
    const bpe = {
      model: { type: "BPE", vocab: { a: 0 }, merges: [], byte_fallback: true },
      pre_tokenizer: { type: "Metaspace" },
    };
    expect(() => loadTokenizer(JSON.stringify(bpe))).toThrow(/model\.byte_fallback = true is not supported/);
    expect(() => loadTokenizer("{ not json")).toThrow(/not valid JSON/);
  });

  it("loads a BERT-style uncased tokenizer.json and applies its normalizer", () => {
    const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "cafe", "is", "open", "!", "##s"];
    const json = {
      added_tokens: WORDPIECE_SPECIALS.map((content, id) => ({ id, content, special: true })),
      normalizer: {
        type: "BertNormalizer",
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: true,
      },
      pre_tokenizer: { type: "BertPreTokenizer" },
      decoder: { type: "WordPiece", prefix: "##", cleanup: true },
      model: {
        type: "WordPiece",
        unk_token: "[UNK]",
        continuing_subword_prefix: "##",
        max_input_chars_per_word: 100,
        vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      },
    };
    const tok = loadTokenizer(JSON.stringify(json));
    expect(tok.encode("CAFÉS is OPEN!")).toEqual([5, 9, 6, 7, 8]);
    expect(tok.decode(tok.encode("[CLS] Café is open!"))).toBe("[CLS] cafe is open!");
  });
});
