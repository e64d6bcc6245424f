import { describe, expect, it } from "vitest";
import {
  type Split,
  demonstrations,
  labelledReplies,
  pretrainingText,
  promptRecords,
  sharedPrompts,
  isPreferred,
  isWellFormed,
  parsePrompt,
  preferencePairs,
  rankings,
  sampleMalformedReply,
  samplePrompt,
} from "../../src/posttrain/synthetic.js";
import { Rng } from "../../src/util/rng.js";

describe("synthetic alignment task", () => {
  it("checks form and preference by code", () => {
    const prompt = parsePrompt("ask for the cup");
    expect(isWellFormed(prompt, "please pass the cup.")).toBe(true);
    expect(isPreferred(prompt, "please pass the cup.")).toBe(true);
    expect(isWellFormed(prompt, "give me the cup now.")).toBe(true);
    expect(isPreferred(prompt, "give me the cup now.")).toBe(false);
    expect(isWellFormed(prompt, "please pass the salt.")).toBe(false);
    expect(isPreferred(prompt, "please pass the salt.")).toBe(false);
    expect(() => parsePrompt("ask for the moon")).toThrow(/not one of the task's prompts/);
  });

  it("makes demonstrations that are well-formed but mostly not preferred", () => {
    const demos = demonstrations(new Rng(1), 400, 0.2);
    const checks = demos.map(({ messages }) => {
      const prompt = parsePrompt(messages[0].content);
      return {
        formed: isWellFormed(prompt, messages[1].content),
        preferred: isPreferred(prompt, messages[1].content),
      };
    });
    expect(checks.every((c) => c.formed)).toBe(true);
    const rate = checks.filter((c) => c.preferred).length / checks.length;
    expect(rate).toBeGreaterThan(0.12);
    expect(rate).toBeLessThan(0.28);
  });

  it("ranks preferred replies first and malformed ones last, and pairs agree with the checker", () => {
    const rng = new Rng(2);
    for (const r of rankings(rng, 50)) {
      const prompt = parsePrompt(r.prompt);
      r.responses.forEach((reply, i) => {
        expect(isPreferred(prompt, reply)).toBe(r.ranks[i] === 0);
        expect(isWellFormed(prompt, reply)).toBe(r.ranks[i] !== 3);
      });
    }
    for (const p of preferencePairs(rng, 50)) {
      const prompt = parsePrompt(p.prompt);
      expect([isPreferred(prompt, p.chosen), isPreferred(prompt, p.rejected)]).toEqual([true, false]);
    }
    for (let i = 0; i < 50; i++) {
      const prompt = samplePrompt(rng);
      expect(isWellFormed(prompt, sampleMalformedReply(rng, prompt))).toBe(false);
    }
  });

  /** Every data set a demonstration trains on (train split) or evaluates on (eval split), as prompt records. */
  const datasets = (split: Split, seed: number) => {
    const rng = new Rng(seed);
    return {
      sft: demonstrations(rng, 300, 0.2, split).map((d) => ({ prompt: d.messages[0].content })),
      rankings: rankings(rng, 300, split),
      pairs: preferencePairs(rng, 300, split),
      kto: labelledReplies(rng, 300, split),
      prompts: promptRecords(rng, 300, split),
    };
  };

  it("keeps evaluation prompts out of every training set, and the reward model's held-out pairs out of its training pairs", () => {
    const train = datasets("train", 11);
    const heldOut = datasets("eval", 12);
    for (const [name, set] of Object.entries(train)) {
      for (const [evalName, evalSet] of Object.entries(heldOut))
        expect(sharedPrompts(set, evalSet), `${name} vs eval ${evalName}`).toEqual([]);
      // the training sets themselves share prompts: the check can see an overlap
      expect(sharedPrompts(set, train.prompts).length, name).toBeGreaterThan(0);
    }
    expect(sharedPrompts(train.rankings, heldOut.rankings)).toEqual([]);
  });

  it("never shows an evaluation phrasing to any stage, pretraining included", () => {
    const evalAsks = new Set(promptRecords(new Rng(13), 200, "eval").map((r) => r.prompt.split(" the ")[0]));
    expect(evalAsks.size).toBe(3);
    const train = datasets("train", 14);
    const texts = [
      pretrainingText(new Rng(15), 2000),
      ...Object.values(train).flatMap((set) => set.map((r) => JSON.stringify(r))),
    ].join("\n");
    for (const ask of evalAsks) expect(texts.includes(ask), ask).toBe(false);
  });

  it("labels unpaired replies desirable exactly when they are preferred", () => {
    const records = labelledReplies(new Rng(16), 200);
    for (const r of records) expect(r.label).toBe(isPreferred(parsePrompt(r.prompt), r.completion));
    const desirable = records.filter((r) => r.label).length / records.length;
    expect(desirable).toBeGreaterThan(0.15);
    expect(desirable).toBeLessThan(0.35);
  });
});
