import { describe, expect, it } from "vitest";
import {
  demonstrations,
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
});
