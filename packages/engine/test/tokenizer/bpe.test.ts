import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { encode as gpt2Encode } from "gpt-tokenizer/encoding/r50k_base";
import { encode as cl100kEncode } from "gpt-tokenizer/encoding/cl100k_base";
import {
  byteLevelTokenizer,
  loadPretrainedVocabulary,
  loadTokenizer,
  trainBpe,
} from "../../src/tokenizer/index.js";
import { MULTILINGUAL, trainingCorpus } from "./texts.js";

const { Tokenizer: HfTokenizer } = createRequire(import.meta.url)(
  "tokenizers",
) as typeof import("tokenizers");

describe("byte-level BPE", () => {
  it("round-trips multilingual text, emoji, code and control characters exactly", async () => {
    const tok = await trainBpe(trainingCorpus(), { vocabSize: 600 });
    expect(tok.vocabSize).toBe(600);
    const ids = tok.encode(MULTILINGUAL);
    expect(tok.decode(ids)).toBe(MULTILINGUAL);
    // Learned merges must actually compress the text they were trained on.
    expect(ids.length).toBeLessThan(new TextEncoder().encode(MULTILINGUAL).length / 2);
  });

  it("turns a lone surrogate into U+FFFD explicitly and decodes a token cut mid-character to U+FFFD", async () => {
    const tok = byteLevelTokenizer();
    expect(tok.decode(tok.encode("a\ud800b"))).toBe("a\ufffdb");
    expect(tok.decode(tok.encode("🎉").slice(0, 2))).toBe("\ufffd");
  });

  it("is deterministic: the same corpus gives the same tokenizer.json", async () => {
    const a = await trainBpe(trainingCorpus(), { vocabSize: 400 });
    const b = await trainBpe(trainingCorpus(), { vocabSize: 400 });
    expect(a.toJSON()).toBe(b.toJSON());
  });

  it("trains from a stream (async iterable) exactly as from an array", async () => {
    async function* stream() {
      for (const t of trainingCorpus()) yield t;
    }
    const fromStream = await trainBpe(stream(), { vocabSize: 400 });
    expect(fromStream.toJSON()).toBe((await trainBpe(trainingCorpus(), { vocabSize: 400 })).toJSON());
  });

  it("stops early at the minimum frequency", async () => {
    const tok = await trainBpe(["ab ab ab cd"], { vocabSize: 1000, minFrequency: 3 });
    // 256 bytes + 5 specials + the one pair seen three times ("a"+"b"); " "+"ab" is seen only twice.
    expect(tok.vocabSize).toBe(262);
  });

  it.each(["gpt2", "cl100k"])(
    "exported tokenizer.json (%s pattern) loads in the tokenizers package with identical ids and text",
    async (pattern) => {
      const tok = await trainBpe(trainingCorpus(), { vocabSize: 700, pattern });
      const hf = HfTokenizer.fromString(tok.toJSON());
      const text = MULTILINGUAL + " <|endoftext|> after";
      const enc = await hf.encode(text);
      expect(enc.getIds()).toEqual(tok.encode(text));
      expect(await hf.decode(enc.getIds(), false)).toBe(text);
      expect(hf.getVocabSize(true)).toBe(tok.vocabSize);
    },
  );

  it("reads its own tokenizer.json back to an identical tokenizer", async () => {
    const tok = await trainBpe(trainingCorpus(), { vocabSize: 500, pattern: "cl100k" });
    const again = loadTokenizer(tok.toJSON());
    expect(again.encode(MULTILINGUAL)).toEqual(tok.encode(MULTILINGUAL));
    expect(again.toJSON()).toBe(tok.toJSON());
  });

  it("recognises special tokens in encode but not in encodeOrdinary", () => {
    const tok = byteLevelTokenizer();
    const eot = tok.specialTokens["<|endoftext|>"];
    expect(eot).toBe(256);
    expect(tok.encode("a<|endoftext|>b")).toEqual([97, eot, 98]);
    expect(tok.encodeOrdinary("a<|endoftext|>")).not.toContain(eot);
    expect(tok.decode(tok.encode("x<|endoftext|>"), { skipSpecialTokens: true })).toBe("x");
  });

  it("merges very long words the same way as short ones", async () => {
    const tok = await trainBpe(["abababab abab ab cdcd"], { vocabSize: 300, minFrequency: 1 });
    const long = "ab".repeat(200) + "cd".repeat(100);
    const ids = tok.encode(long);
    expect(tok.decode(ids)).toBe(long);
    // Word above the heap threshold vs. the same word built from short words' encodings.
    const short = tok.encode("abababab");
    expect(ids.slice(0, short.length)).toEqual(short);
  });
});

// Loading a 50k-100k vocabulary takes about a second, more on a busy machine.
describe("GPT-2 and cl100k vocabularies from gpt-tokenizer", { timeout: 30_000 }, () => {
  const text = MULTILINGUAL;
  // Building a vocabulary takes a moment; the tests share one of each.
  const gpt2 = loadPretrainedVocabulary("gpt2");

  it("gives the same ids as gpt-tokenizer on GPT-2 (r50k)", async () => {
    const tok = await gpt2;
    expect(tok.vocabSize).toBe(50257);
    expect(tok.encode(text)).toEqual(gpt2Encode(text));
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it("gives the same ids as gpt-tokenizer on cl100k", async () => {
    const tok = await loadPretrainedVocabulary("cl100k_base");
    expect(tok.encode(text)).toEqual(cl100kEncode(text));
    expect(tok.encode("<|endoftext|>")).toEqual([100257]);
  });

  it("exports GPT-2 as tokenizer.json that the tokenizers package encodes identically", async () => {
    const tok = await gpt2;
    const enc = await HfTokenizer.fromString(tok.toJSON()).encode(text);
    expect(enc.getIds()).toEqual(gpt2Encode(text));
  });
});
