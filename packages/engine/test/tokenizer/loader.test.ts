import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { encode as cl100kEncode } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { registerTokenizerCommands } from "../../src/cli/commands/tokenizer.js";
import {
  byteLevelTokenizer,
  loadPretrainedVocabulary,
  loadTokenizer,
  trainBpe,
  trainWordPiece,
} from "../../src/tokenizer/index.js";
import { MULTILINGUAL, trainingCorpus } from "./texts.js";

const { Tokenizer: HfTokenizer } = createRequire(import.meta.url)(
  "tokenizers",
) as typeof import("tokenizers");

/** constructor, toString, valueOf, hasOwnProperty, __proto__, __defineGetter__, ... */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const PROTOTYPE_TEXT = PROTOTYPE_NAMES.join(" ");
const FIXTURE_BPE = new URL("../../fixtures/tokenizers/rust-bpe-default-alphabet.json", import.meta.url);

async function hfIds(json: string, text: string): Promise<number[]> {
  return (await HfTokenizer.fromString(json).encode(text)).getIds();
}

describe("tokenizer.json loader", () => {
  it("keeps vocabulary tokens named after every Object.prototype property as ordinary tokens", async () => {
    // Each name as a text of its own, so BPE learns it as a token without a leading space.
    const corpus = [...trainingCorpus(), ...Array.from({ length: 30 }, () => PROTOTYPE_NAMES).flat()];
    const text = `${PROTOTYPE_TEXT} ${MULTILINGUAL}`;
    for (const tok of [
      await trainBpe(corpus, { vocabSize: 800 }),
      await trainWordPiece(corpus, { vocabSize: 800 }),
    ]) {
      // The names really are tokens of the vocabulary, so the old `token in specials` check would have skipped them.
      expect(PROTOTYPE_NAMES.filter((n) => tok.tokenToId(n) !== undefined).length).toBeGreaterThan(3);
      const again = loadTokenizer(tok.toJSON());
      expect(again.encode(text)).toEqual(tok.encode(text));
      expect(again.toJSON()).toBe(tok.toJSON());
      expect(await hfIds(tok.toJSON(), text)).toEqual(tok.encode(text));
    }
  });

  it("matches special tokens named after Object.prototype properties, and only when they are specials", () => {
    const plain = byteLevelTokenizer();
    for (const name of PROTOTYPE_NAMES) {
      expect(plain.tokenToId(name)).toBeUndefined();
      expect(plain.encode(name)).toEqual([...new TextEncoder().encode(name)]);
    }
    const named = loadTokenizer(byteLevelTokenizer(PROTOTYPE_NAMES).toJSON());
    expect(Object.keys(named.specialTokens)).toEqual(PROTOTYPE_NAMES);
    expect(named.encode(`a ${PROTOTYPE_TEXT}`)).toEqual(
      [97, 32].concat(...PROTOTYPE_NAMES.map((n, i) => (i === 0 ? [256] : [32, 256 + i]))),
    );
  });

  it("reloads its own export of cl100k_base with the same ids", { timeout: 60_000 }, async () => {
    const exported = (await loadPretrainedVocabulary("cl100k_base")).toJSON();
    const text = `${MULTILINGUAL} ${PROTOTYPE_TEXT}`;
    expect(loadTokenizer(exported).encode(text)).toEqual(cl100kEncode(text));
  });

  it('accepts "" as no continuing_subword_prefix and no end_of_word_suffix', async () => {
    const tok = await trainBpe(trainingCorpus(), { vocabSize: 400 });
    const json = JSON.parse(tok.toJSON());
    json.model.continuing_subword_prefix = "";
    json.model.end_of_word_suffix = "";
    expect(loadTokenizer(JSON.stringify(json)).encode(MULTILINGUAL)).toEqual(tok.encode(MULTILINGUAL));
    json.model.continuing_subword_prefix = "##";
    expect(() => loadTokenizer(JSON.stringify(json))).toThrow(/continuing_subword_prefix = "##"/);
  });

  it.each([
    ["dropped (no unk_token)", undefined, false],
    ["each replaced by unk_token", "<unk>", false],
    ["runs fused into one unk_token", "<unk>", true],
  ])(
    "loads a Rust-trained byte-level BPE with missing bytes: unknown bytes %s, as the tokenizers package does",
    async (_name, unk, fuse) => {
      const json = JSON.parse(readFileSync(FIXTURE_BPE, "utf8"));
      // The Rust trainer's default alphabet is the corpus's bytes only: most bytes of the test text are missing.
      const singleBytes = Object.keys(json.model.vocab).filter((t) => t.length === 1);
      expect(singleBytes.length).toBeLessThan(100);
      if (unk) {
        const id = Object.keys(json.model.vocab).length;
        json.model.vocab[unk] = id;
        json.added_tokens.push({ ...json.added_tokens[0], id, content: unk });
        json.model.unk_token = unk;
        json.model.fuse_unk = fuse;
      }
      const text = JSON.stringify(json);
      const tok = loadTokenizer(text);
      const ids = tok.encode(MULTILINGUAL);
      expect(ids).toEqual(await hfIds(text, MULTILINGUAL));
      if (unk) expect(ids).toContain(tok.tokenToId(unk));
    },
  );

  it("creates the output folder of `tokenizer train -o`", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tok-out-"));
    const input = join(dir, "corpus.txt");
    writeFileSync(input, trainingCorpus().join("\n\n"));
    const out = join(dir, "new", "nested", "tokenizer.json");
    const program = new Command().exitOverride();
    registerTokenizerCommands(program);
    await program.parseAsync(["tokenizer", "train", input, "-o", out, "--vocab-size", "300"], {
      from: "user",
    });
    expect(loadTokenizer(out).vocabSize).toBe(300);
  });
});
