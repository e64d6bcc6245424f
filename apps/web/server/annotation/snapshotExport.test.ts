import { describe, expect, it } from "vitest";
import { sha256 } from "./contentHash";
import { buildSnapshotExport, type ExportPrompt } from "./snapshotExport";

const singleTurn: ExportPrompt = {
  id: "p1",
  messages: [{ role: "user", content: "Name a prime." }],
  responses: [
    { id: "r3", text: "Nine.", sft: false },
    { id: "r1", text: "Two.", sft: true },
    { id: "r2", text: "Seven.", sft: false },
  ],
  // Two annotators agree r1 is best and tie r2 with r3.
  rankings: [
    [["r1"], ["r2", "r3"]],
    [["r1"], ["r3", "r2"]],
  ],
};

const multiTurn: ExportPrompt = {
  id: "p2",
  messages: [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
    { role: "user", content: "Say bye" },
  ],
  responses: [
    { id: "a", text: "Bye!", sft: true },
    { id: "b", text: "No.", sft: false },
  ],
  // "gone" was hidden by moderation and is not exported; the ranking keeps its other answers.
  rankings: [[["a"], ["gone"], ["b"]]],
};

const parseLines = (content: string) =>
  content
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));

describe("buildSnapshotExport", () => {
  const snapshot = buildSnapshotExport([multiTurn, singleTurn]);
  const files = Object.fromEntries(snapshot.files.map((f) => [f.name, f]));

  it("writes one SFT conversation per demonstration, the prompt's turns followed by the answer", () => {
    expect(parseLines(files["sft.jsonl"].content)).toEqual([
      {
        messages: [
          { role: "user", content: "Name a prime." },
          { role: "assistant", content: "Two." },
        ],
      },
      { messages: [...multiTurn.messages, { role: "assistant", content: "Bye!" }] },
    ]);
  });

  it("expands the consensus ranking into pairs and skips ties", () => {
    expect(parseLines(files["preference.jsonl"].content)).toEqual([
      { prompt: "Name a prime.", chosen: "Two.", rejected: "Seven." },
      { prompt: "Name a prime.", chosen: "Two.", rejected: "Nine." },
      {
        prompt: multiTurn.messages,
        chosen: [{ role: "assistant", content: "Bye!" }],
        rejected: [{ role: "assistant", content: "No." }],
      },
    ]);
  });

  it("renders plain text for pretraining", () => {
    expect(parseLines(files["text.jsonl"].content)[0]).toEqual({
      text: "User: Name a prime.\n\nAssistant: Two.",
    });
  });

  it("counts what it wrote and hashes it deterministically", () => {
    expect(snapshot.counts).toEqual({
      prompts: 2,
      responses: 5,
      rankings: 3,
      sft: 2,
      preference: 3,
      text: 2,
    });
    expect(files["preference.jsonl"].lines).toBe(3);
    expect(files["sft.jsonl"].sha256).toBe(sha256(files["sft.jsonl"].content));
    const again = buildSnapshotExport([singleTurn, multiTurn]);
    expect(again.contentHash).toBe(snapshot.contentHash);
    const changed = buildSnapshotExport([singleTurn, { ...multiTurn, rankings: [[["b"], ["a"]]] }]);
    expect(changed.contentHash).not.toBe(snapshot.contentHash);
  });

  it("writes empty files for a prompt with no rankings and no demonstrations", () => {
    const empty = buildSnapshotExport([{ ...singleTurn, responses: [], rankings: [] }]);
    expect(empty.files.map((f) => f.lines)).toEqual([0, 0, 0]);
    expect(empty.files[0].sha256).toBe(sha256(""));
  });
});
