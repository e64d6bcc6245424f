import { describe, expect, it } from "vitest";
import { EVAL_PROMPTS, explainEmptySnapshotFiles, isEvalPrompt } from "../src";

describe("evaluation prompts", () => {
  it("are recognised in any user turn, whatever the case, spacing and end punctuation", () => {
    const prompt = EVAL_PROMPTS[1].prompt;
    expect(isEvalPrompt([{ role: "user", content: `  ${prompt.toUpperCase().replace(/\.$/, "")}!! ` }])).toBe(
      true,
    );
    expect(isEvalPrompt([{ role: "assistant", content: prompt }])).toBe(false);
    expect(isEvalPrompt([{ role: "user", content: `${prompt} Then explain why.` }])).toBe(false);
  });
});

describe("explainEmptySnapshotFiles", () => {
  const none = { prompts: 5, responses: 9, demonstrations: 0, rankings: 0, sft: 0, preference: 0, text: 0 };

  it("says imported model answers go to ranking, and that nothing was ranked yet", () => {
    const explained = explainEmptySnapshotFiles(none);
    expect(explained["sft.jsonl"]).toMatch(/model outputs .* go to ranking, not to SFT/);
    expect(explained["text.jsonl"]).toMatch(/rendered from SFT conversations/);
    expect(explained["preference.jsonl"]).toMatch(/no answer has been ranked yet/);
  });

  it("explains nothing about files that have lines, and names ties when rankings gave no pair", () => {
    const explained = explainEmptySnapshotFiles({ ...none, demonstrations: 4, sft: 4, text: 4, rankings: 3 });
    expect(Object.keys(explained)).toEqual(["preference.jsonl"]);
    expect(explained["preference.jsonl"]).toMatch(/no strict preference/);
  });
});
