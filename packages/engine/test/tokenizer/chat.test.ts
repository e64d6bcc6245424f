import { describe, expect, it } from "vitest";
import { byteLevelTokenizer, renderChat, trainBpe, trainWordPiece } from "../../src/tokenizer/index.js";
import { trainingCorpus } from "./texts.js";

const messages = [
  { role: "system" as const, content: "You are terse." },
  { role: "user" as const, content: "Say hi <|im_end|>" },
  { role: "assistant" as const, content: "Hi." },
];

describe("chat template", () => {
  it("renders ChatML and marks exactly the assistant content and its closing <|im_end|>", async () => {
    const tok = await trainBpe(trainingCorpus(), { vocabSize: 500 });
    const r = renderChat(messages, tok);
    expect(r.text).toBe(
      "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nSay hi <|im_end|><|im_end|>\n<|im_start|>assistant\nHi.<|im_end|>\n",
    );
    expect(r.assistantMask).toHaveLength(r.ids.length);
    const masked = r.ids.filter((_, i) => r.assistantMask[i] === 1);
    expect(tok.decode(masked)).toBe("Hi.<|im_end|>");
  });

  it("encodes a user's special-token text as ordinary characters", () => {
    const tok = byteLevelTokenizer();
    const r = renderChat(messages, tok);
    const imEnd = tok.specialTokens["<|im_end|>"];
    // One real <|im_end|> per message: the one the user typed is bytes.
    expect(r.ids.filter((id) => id === imEnd)).toHaveLength(3);
    expect(tok.decode(r.ids)).toBe(r.text);
  });

  it("adds the generation prompt and masks nothing after it", () => {
    const tok = byteLevelTokenizer();
    const r = renderChat(messages.slice(0, 2), tok, { addGenerationPrompt: true });
    expect(r.text.endsWith("<|im_start|>assistant\n")).toBe(true);
    expect(r.assistantMask.every((m) => m === 0)).toBe(true);
  });

  it("names the missing special tokens and a bad role", async () => {
    const wp = await trainWordPiece(["a b"], { vocabSize: 50, minFrequency: 1 });
    expect(() => renderChat(messages, wp)).toThrow(/<\|im_start\|>/);
    expect(() => renderChat([{ role: "tool" as never, content: "x" }], byteLevelTokenizer())).toThrow(
      /role "tool"/,
    );
  });
});
