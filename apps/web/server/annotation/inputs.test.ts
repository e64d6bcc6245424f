import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { languageSchema, MAX_RESPONSES_PER_PROMPT } from "./content";
import { submitRankingInput } from "./inputs";

describe("input limits", () => {
  it("refuses labels for more answers than a prompt can have", () => {
    const labels = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, { flags: ["spam"] }]));
    const ranking = { submissionId: randomUUID(), taskId: "t", ranking: [["a"], ["b"]] };
    expect(
      submitRankingInput.safeParse({ ...ranking, labels: labels(MAX_RESPONSES_PER_PROMPT) }).success,
    ).toBe(true);
    const tooMany = submitRankingInput.safeParse({
      ...ranking,
      labels: labels(MAX_RESPONSES_PER_PROMPT + 1),
    });
    expect(tooMany.error?.issues[0]).toMatchObject({
      path: ["labels"],
      message: expect.stringMatching(/at most 12 answers/),
    });
  });

  it("refuses a language tag longer than BCP 47 allows", () => {
    expect(languageSchema.safeParse("pt-BR").success).toBe(true);
    expect(languageSchema.safeParse(`en${"-abcdefgh".repeat(4)}`).success).toBe(false);
  });
});
