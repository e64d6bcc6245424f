import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PreTrainedTokenizer } from "@huggingface/transformers";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerTokenizerCommands } from "../../src/cli/commands/tokenizer.js";
import { DataPrepareConfigSchema } from "../../src/config/data.js";
import { prepareData } from "../../src/data/pipeline.js";
import { readShard } from "../../src/io/shards.js";
import { loadTokenizer, trainUnigram, UnigramTokenizer } from "../../src/tokenizer/index.js";
import { Rng } from "../../src/util/rng.js";
import { MULTILINGUAL, trainingCorpus } from "./texts.js";

const { Tokenizer: HfTokenizer } = createRequire(import.meta.url)(
  "tokenizers",
) as typeof import("tokenizers");

const RUST_TRAINED = readFileSync(
  new URL("../../fixtures/tokenizers/rust-unigram.json", import.meta.url),
  "utf8",
);
/** Special tokens inside the text, runs of spaces and characters no training text had. */
const TEXT = `${MULTILINGUAL} <|im_start|>user  two  spaces<|im_end|> Ωmega ∮ 𝄞 <unk>`;

/** A corpus with enough different words that the vocabulary has to choose between pieces. */
function variedCorpus(): string[] {
  const rng = new Rng(5);
  const syllables = [
    "ka",
    "to",
    "ri",
    "ne",
    "su",
    "mo",
    "la",
    "pe",
    "shi",
    "un",
    "der",
    "ing",
    "é",
    "ü",
    "語",
  ];
  const words = Array.from({ length: 300 }, () =>
    Array.from({ length: 1 + rng.int(4) }, () => syllables[rng.int(syllables.length)]).join(""),
  );
  return [
    ...trainingCorpus(),
    ...Array.from({ length: 200 }, () =>
      Array.from({ length: 12 }, () => words[Math.floor(rng.next() ** 2 * words.length)]).join(" "),
    ),
  ];
}

async function rustIds(json: string, text: string): Promise<number[]> {
  return (await HfTokenizer.fromString(json).encode(text)).getIds();
}

function transformersJsIds(json: string, text: string): number[] {
  return new PreTrainedTokenizer(JSON.parse(json), {}).encode(text, { add_special_tokens: false });
}

describe("Unigram tokenizer", () => {
  it("trains deterministically, from an array or a stream alike", async () => {
    const a = await trainUnigram(variedCorpus(), { vocabSize: 300 });
    async function* stream() {
      yield* variedCorpus();
    }
    const b = await trainUnigram(stream(), { vocabSize: 300 });
    expect(b.toJSON()).toBe(a.toJSON());
    expect(a.vocabSize).toBe(300);
    // Pruning kept multi-character pieces that compress the training text.
    const text = variedCorpus().slice(-20).join(" ");
    expect(a.encode(text).length).toBeLessThan(Array.from(text).length / 2);
  });

  it.each([
    ["the Rust-trained fixture", async () => RUST_TRAINED, TEXT],
    ["our own", async () => (await trainUnigram(variedCorpus(), { vocabSize: 400 })).toJSON(), TEXT],
    // transformers.js's Unigram has no byte fallback (unknown characters become <unk>): compare it on known text only.
    [
      "our own with byte fallback",
      async () => (await trainUnigram(variedCorpus(), { vocabSize: 700, byteFallback: true })).toJSON(),
      `${MULTILINGUAL}<|im_start|>user  two  spaces<|im_end|>`,
    ],
  ])("gives the ids of the tokenizers package and transformers.js on %s", async (_name, make, jsText) => {
    const json = await make();
    const tok = loadTokenizer(json);
    expect(tok.kind).toBe("unigram");
    const ids = tok.encode(TEXT);
    expect(ids).toEqual(await rustIds(json, TEXT));
    expect(tok.decode(ids)).toBe(await HfTokenizer.fromString(json).decode(ids, false));
    expect(tok.encode(jsText)).toEqual(transformersJsIds(json, jsText));
  });

  it("round-trips text exactly with byte fallback, and loses only unknown characters without it", async () => {
    const withBytes = await trainUnigram(variedCorpus(), { vocabSize: 700, byteFallback: true });
    const plain = await trainUnigram(variedCorpus(), { vocabSize: 400 });
    const text = "Ωmega ∮ 𝄞 and plain words";
    expect(withBytes.decode(withBytes.encode(text))).toBe(text);
    const unk = plain.tokenToId("<unk>")!;
    expect(plain.encode(text).filter((id) => id === unk)).toHaveLength(3);
  });

  it("writes tokenizer.json that reads back to the same tokenizer, for its own and the Rust library's files", async () => {
    const own = await trainUnigram(variedCorpus(), { vocabSize: 300 });
    for (const json of [own.toJSON(), RUST_TRAINED]) {
      const tok = loadTokenizer(json);
      const again = loadTokenizer(tok.toJSON());
      expect(again.toJSON()).toBe(tok.toJSON());
      expect(again.encode(TEXT)).toEqual(await rustIds(json, TEXT));
    }
  });

  it.each(["first", "never"])(
    'follows the Metaspace prepend_scheme "%s" like the tokenizers package',
    async (scheme) => {
      const json = JSON.parse((await trainUnigram(variedCorpus(), { vocabSize: 300 })).toJSON());
      json.pre_tokenizer.prepend_scheme = scheme;
      json.decoder.prepend_scheme = scheme;
      const text = JSON.stringify(json);
      const tok = loadTokenizer(text);
      const ids = tok.encode(TEXT);
      expect(ids).toEqual(await rustIds(text, TEXT));
      expect(tok.decode(ids)).toBe(await HfTokenizer.fromString(text).decode(ids, false));
    },
  );

  it("samples segmentations that vary, always spell the text, and approach Viterbi as alpha grows", async () => {
    const tok = (await trainUnigram(variedCorpus(), { vocabSize: 400 })) as UnigramTokenizer;
    const text = variedCorpus().slice(-3).join(" ");
    const rng = new Rng(1);
    const random = () => rng.next();
    const samples = Array.from({ length: 20 }, () => tok.sample(text, { alpha: 0.1, random }));
    for (const ids of samples) expect(tok.decode(ids)).toBe(text);
    expect(new Set(samples.map((s) => s.join(","))).size).toBeGreaterThan(10);
    expect(tok.sample(text, { alpha: 1000, random })).toEqual(tok.encode(text));
  });

  it("is trained by `engine tokenizer train --model unigram`", async () => {
    const dir = mkdtempSync(join(tmpdir(), "unigram-cli-"));
    const input = join(dir, "corpus.txt");
    writeFileSync(input, variedCorpus().join("\n\n"));
    const out = join(dir, "tokenizer.json");
    const program = new Command().exitOverride();
    registerTokenizerCommands(program);
    await program.parseAsync(
      ["tokenizer", "train", input, "-o", out, "--model", "unigram", "--vocab-size", "300"],
      { from: "user" },
    );
    const tok = loadTokenizer(out);
    expect(tok.kind).toBe("unigram");
    expect(tok.vocabSize).toBe(300);
  });

  it("prepares data into shards like the other tokenizers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "unigram-data-"));
    const tok = await trainUnigram(variedCorpus(), { vocabSize: 400 });
    writeFileSync(join(dir, "tokenizer.json"), tok.toJSON());
    const docs = variedCorpus().slice(-40);
    writeFileSync(join(dir, "corpus.txt"), docs.join("\n\n"));
    const card = (await prepareData(
      DataPrepareConfigSchema.parse({
        output: join(dir, "out"),
        sources: [{ name: "text", type: "text", path: join(dir, "corpus.txt"), split: "paragraph" }],
        quality: { enabled: false },
        language: { enabled: false },
        dedup: { exact: false, near: { enabled: false } },
        tokenizer: join(dir, "tokenizer.json"),
        pack: { sequenceLength: 32, validationFraction: 0 },
      }),
    ))!;
    expect(card.tokenizer.kind).toBe("unigram");
    const ids = card.shards.flatMap((s) => [...readShard(join(dir, "out", s.file), tok).tokens]);
    const eot = tok.specialTokens["<|endoftext|>"];
    const texts = tok.decode(ids).split("<|endoftext|>");
    expect(ids.filter((id) => id === eot).length).toBeGreaterThan(10);
    // Every whole document between two separators is one of the inputs, spelled back exactly.
    for (const t of texts.slice(1, -1)) expect(docs).toContain(t.trim());
  });
});
