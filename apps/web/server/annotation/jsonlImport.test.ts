import { describe, expect, it } from "vitest";
import { promptContentHash } from "./contentHash";
import { parseImportJsonl } from "./jsonlImport";

const file = [
  JSON.stringify({
    prompt: "What is RLHF?",
    responses: [{ text: "Learning from human feedback.", model: "tiny-1" }],
  }),
  "",
  "{not json",
  JSON.stringify({ prompt: "", language: "en" }),
  JSON.stringify({
    messages: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
      { role: "user", content: "Tell me a joke" },
    ],
    language: "de",
  }),
  JSON.stringify({ prompt: "x", messages: [{ role: "user", content: "x" }] }),
  JSON.stringify({
    prompt: "What is RLHF?",
    responses: [{ text: "Learning from human feedback.", model: "tiny-1" }, { text: "A method." }],
  }),
  JSON.stringify({ prompt: "ok", responses: [{ txt: "typo" }] }),
  JSON.stringify({
    messages: [
      { role: "user", content: "a" },
      { role: "assistant", content: "b" },
    ],
  }),
  JSON.stringify({ prompt: "ok", language: "English" }),
].join("\r\n");

describe("parseImportJsonl", () => {
  const result = parseImportJsonl(`\uFEFF${file}\n`);

  it("imports the good lines with defaults and multi-turn conversations", () => {
    expect(result.records.map((r) => r.line)).toEqual([1, 5]);
    const [single, multi] = result.records;
    expect(single.messages).toEqual([{ role: "user", content: "What is RLHF?" }]);
    expect(single.language).toBe("en");
    expect(single.source).toBe("imported");
    expect(multi.messages).toHaveLength(3);
    expect(multi.language).toBe("de");
    expect(multi.contentHash).toBe(promptContentHash(multi.messages));
  });

  it("reports each bad line with its number and the field at fault", () => {
    const byLine = Object.fromEntries(result.errors.map((e) => [e.line, e.message]));
    expect(Object.keys(byLine).map(Number)).toEqual([3, 4, 6, 8, 9, 10]);
    expect(byLine[3]).toMatch(/not valid JSON/);
    expect(byLine[4]).toMatch(/^prompt: /);
    expect(byLine[6]).toMatch(/exactly one of "prompt" or "messages"/);
    expect(byLine[8]).toBe(
      'responses.0.text: Invalid input: expected string, received undefined; responses.0: Unrecognized key: "txt"',
    );
    expect(byLine[9]).toMatch(/messages\.1\.role: the last message of a prompt must be from the user/);
    expect(byLine[10]).toMatch(/language: expected a language tag/);
  });

  it("merges a repeated prompt into one record without repeating its answers", () => {
    expect(result.repeatedLines).toEqual([7]);
    expect(result.records[0].responses.map((r) => [r.text, r.modelName])).toEqual([
      ["Learning from human feedback.", "tiny-1"],
      ["A method.", null],
    ]);
  });

  it("gives the same hashes on a second parse, so a re-import can skip what exists", () => {
    const again = parseImportJsonl(file);
    expect(again.records.map((r) => r.contentHash)).toEqual(result.records.map((r) => r.contentHash));
    expect(again.records[0].responses.map((r) => r.contentHash)).toEqual(
      result.records[0].responses.map((r) => r.contentHash),
    );
    // The same text from another model, or for another prompt, is a different response.
    const hashes = new Set(result.records.flatMap((r) => r.responses.map((x) => x.contentHash)));
    expect(hashes.size).toBe(2);
  });

  it("refuses an over-long line without parsing it", () => {
    const long = JSON.stringify({ prompt: "a".repeat(400_001) });
    expect(parseImportJsonl(long).errors[0]).toMatchObject({
      line: 1,
      message: expect.stringMatching(/limit is 400000/),
    });
  });
});
