import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataPrepareConfigSchema, type DataPrepareConfigInput } from "../../src/config/data.js";
import { prepareData } from "../../src/data/pipeline.js";
import {
  documentStartsInWindow,
  documentsPath,
  positionIds,
  readDocumentStarts,
  readShard,
  segmentIds,
} from "../../src/io/shards.js";
import { loadTokenizer } from "../../src/tokenizer/hf-json.js";
import { Rng } from "../../src/util/rng.js";
import { makeDocument, makeVocabulary, toText } from "./corpus.js";

/** A raw folder: prose files with a duplicated file, a noise file and an empty file; JSONL with broken lines. */
function makeRawFolder(): { dir: string; goodChatTexts: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "engine-data-"));
  const rng = new Rng(11);
  const vocab = makeVocabulary(rng, 3000);
  mkdirSync(join(dir, "books"));
  mkdirSync(join(dir, "chat"));
  for (let f = 0; f < 4; f++) {
    const paragraphs = Array.from({ length: 25 }, () => toText(makeDocument(rng, vocab, 40 + rng.int(60))));
    writeFileSync(join(dir, "books", `book-${f}.txt`), paragraphs.join("\n\n"));
  }
  writeFileSync(join(dir, "books", "book-copy.txt"), readFileSync(join(dir, "books", "book-0.txt")));
  const noise = () =>
    Array.from({ length: 200 }, (_, i) =>
      i % 10 === 0 ? ` ${vocab[rng.int(vocab.length)]} ` : String.fromCharCode(0x2190 + rng.int(200)),
    ).join("");
  writeFileSync(join(dir, "books", "noise.txt"), Array.from({ length: 5 }, noise).join("\n\n"));
  writeFileSync(join(dir, "books", "empty.txt"), "");
  // A binary file with a text name: skipped before decoding, listed in the card.
  writeFileSync(
    join(dir, "books", "image.txt"),
    Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n"), Buffer.alloc(64), Buffer.from("IHDR some text chunk")]),
  );
  const goodChatTexts = Array.from({ length: 30 }, () => toText(makeDocument(rng, vocab, 30)));
  const lines = goodChatTexts.map((text) => Buffer.from(JSON.stringify({ text }) + "\n"));
  lines.splice(1, 0, Buffer.from('{"text": "unterminated\n'));
  lines.splice(
    3,
    0,
    Buffer.concat([
      Buffer.from('{"text": "bad bytes '),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}\n'),
    ]),
  );
  lines.splice(4, 0, Buffer.from('{"content": "wrong field"}\n'), Buffer.from("\n"));
  writeFileSync(join(dir, "chat", "chat.jsonl"), Buffer.concat(lines));
  writeFileSync(join(dir, "chat", "empty.jsonl"), "");
  return { dir, goodChatTexts };
}

function config(dir: string, output: string, extra: Partial<DataPrepareConfigInput> = {}) {
  return DataPrepareConfigSchema.parse({
    output: join(dir, output),
    seed: 5,
    sources: [
      { name: "books", type: "text", path: join(dir, "books"), split: "paragraph" },
      { name: "chat", type: "jsonl", path: join(dir, "chat") },
    ],
    quality: { minChars: 50, minWords: 10 },
    mix: { proportions: { books: 0.7, chat: 0.3 } },
    pack: { sequenceLength: 64, sequencesPerShard: 16, validationFraction: 0.1 },
    ...extra,
  });
}

describe("data prepare", { timeout: 30_000 }, () => {
  const { dir, goodChatTexts } = makeRawFolder();

  it("finishes on malformed input, locating each bad line, and loses nothing else", async () => {
    const card = (await prepareData(config(dir, "out-a")))!;
    const chatFile = join(dir, "chat", "chat.jsonl");
    expect(card.badLines.listed.map((b) => [b.file, b.line, b.reason.split(":")[0]])).toEqual([
      [chatFile, 2, "invalid JSON"],
      [chatFile, 4, "invalid UTF-8"],
      [chatFile, 5, 'field "text" is missing or not a string'],
    ]);
    expect(card.sources.chat.emptyFiles).toEqual([join(dir, "chat", "empty.jsonl")]);
    expect(card.sources.books.emptyFiles).toEqual([join(dir, "books", "empty.txt")]);
    expect(card.sources.books.binaryFiles).toEqual([join(dir, "books", "image.txt")]);
    expect(readFileSync(join(dir, "out-a", "data-card.md"), "utf8")).toContain(
      `skipped binary file ${join(dir, "books", "image.txt")}`,
    );
    expect(card.sources.chat.cleanDocuments).toBe(goodChatTexts.length);
    const cleanChat = readFileSync(join(dir, "out-a", "work", "clean", "chat.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).text);
    expect(cleanChat).toEqual(goodChatTexts);
    const stage = (name: string) => card.stages.find((s) => s.stage === name)!;
    expect(stage("exact_dedup").dropped.exact_duplicate).toBe(25);
    expect(stage("quality").bySource.books.dropped.symbol_ratio).toBe(5);
    // Each rule set is a stage of its own, named in the card (Gopher repetition is on by default).
    expect(card.stages.map((s) => s.stage)).toContain("gopher_repetition");
  });

  it("writes shards whose tokens add up to the card, with the tokenizer next to them", async () => {
    const card = (await prepareData(config(dir, "out-a")))!;
    const tok = loadTokenizer(join(dir, "out-a", "tokenizer.json"));
    let tokens = 0;
    for (const s of card.shards) {
      const { header, tokens: ids } = readShard(join(dir, "out-a", s.file), { vocabSize: tok.vocabSize });
      expect(header.sequenceLength).toBe(64);
      expect(ids.length).toBe(s.sequences * 64);
      tokens += ids.length;
    }
    expect(tokens + card.tokens.tailDropped).toBe(card.tokens.total);
    expect(card.sequences.validation).toBeGreaterThan(0);
    const share = card.tokens.perSource.chat / card.tokens.total;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.01);
    expect(readFileSync(join(dir, "out-a", "data-card.md"), "utf8")).toContain("| chat |");
  });

  it("resumes an interrupted run to the same shards as an uninterrupted one", async () => {
    const full = (await prepareData(config(dir, "out-a")))!;
    expect(await prepareData(config(dir, "out-b"), { stopAfterShards: 2 })).toBeUndefined();
    const resumed = (await prepareData(config(dir, "out-b")))!;
    expect(resumed.shards.map((s) => s.sha256)).toEqual(full.shards.map((s) => s.sha256));
    for (const s of resumed.shards)
      expect(readFileSync(documentsPath(join(dir, "out-b", s.file)))).toEqual(
        readFileSync(documentsPath(join(dir, "out-a", s.file))),
      );
    // No partial work file outlives the run, and the resumed card's times add up.
    expect(readdirSync(join(dir, "out-b", "work")).filter((f) => f.startsWith("pending-"))).toEqual([]);
    expect(resumed.seconds.total).toBeGreaterThanOrEqual(resumed.seconds.clean + resumed.seconds.pack);
  });

  it("records where each document starts, so every window splits back into the documents", async () => {
    const card = (await prepareData(config(dir, "out-a")))!;
    const tok = loadTokenizer(join(dir, "out-a", "tokenizer.json"));
    const eot = tok.specialTokens["<|endoftext|>"];
    for (const s of card.shards) {
      const path = join(dir, "out-a", s.file);
      const { tokens } = readShard(path);
      const starts = readDocumentStarts(path)!;
      expect(starts.length).toBe(s.documents);
      for (let w = 0; w < tokens.length; w += 64) {
        const window = tokens.subarray(w, w + 64);
        const inWindow = documentStartsInWindow(starts, w, 64);
        // A document starts exactly after each separator inside the window (and nowhere else but the window's start).
        const afterSeparator = [0];
        for (let i = 0; i + 1 < window.length; i++) if (window[i] === eot) afterSeparator.push(i + 1);
        expect(inWindow).toEqual(afterSeparator);
        const segments = segmentIds(inWindow, 64);
        const positions = positionIds(inWindow, 64);
        for (let i = 1; i < 64; i++)
          expect(positions[i]).toBe(segments[i] === segments[i - 1] ? positions[i - 1] + 1 : 0);
      }
    }
  });

  it("refuses to resume a different config in an unfinished output folder", async () => {
    await prepareData(config(dir, "out-c"), { stopAfterShards: 1 });
    await expect(prepareData(config(dir, "out-c", { seed: 99 }))).rejects.toThrow(/different config/);
  });
});
