import { describe, expect, it } from "vitest";
import { seededRandom } from "./ratings";
import { NEW_MODEL_MIN_BATTLES, drawPair, exclusionReason, leaksName, type Contender } from "./rules";

const contender = (name: string, weight: number, battles = NEW_MODEL_MIN_BATTLES): Contender => ({
  versionId: name,
  name: `${name} v1`,
  modelName: name,
  weight,
  battles,
});

describe("drawPair", () => {
  it("never draws the same model twice, randomises sides and follows the weights", () => {
    const random = seededRandom(1);
    const pool = [contender("heavy", 6), contender("light", 1), contender("other", 1)];
    const appearances = new Map<string, number>();
    let heavyOnA = 0;
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      const [a, b] = drawPair(pool, random);
      expect(a.versionId).not.toBe(b.versionId);
      for (const c of [a, b]) appearances.set(c.name, (appearances.get(c.name) ?? 0) + 1);
      if (a.modelName === "heavy") heavyOnA++;
    }
    // heavy is in almost every battle, light and other share the rest evenly
    expect(appearances.get("heavy v1")! / draws).toBeGreaterThan(0.85);
    expect(Math.abs(appearances.get("light v1")! - appearances.get("other v1")!) / draws).toBeLessThan(0.05);
    expect(heavyOnA / appearances.get("heavy v1")!).toBeCloseTo(0.5, 1);
  });

  it("boosts a model with few battles", () => {
    const random = seededRandom(2);
    const pool = [contender("old-a", 1), contender("old-b", 1), contender("new", 1, 0)];
    let withNew = 0;
    for (let i = 0; i < 3000; i++) if (drawPair(pool, random).some((c) => c.modelName === "new")) withNew++;
    // unboosted it would be in 2/3 of battles; boosted 4x it is in far more
    expect(withNew / 3000).toBeGreaterThan(0.85);
  });

  it("refuses fewer than two models", () => {
    expect(() => drawPair([contender("only", 1)], Math.random)).toThrow(
      /at least two published models; 1 is/,
    );
    expect(() => drawPair([contender("a", 1), contender("b", 0)], Math.random)).toThrow(/at least two/);
  });
});

describe("battle hygiene", () => {
  it("finds a model's name in any message, ignoring case", () => {
    expect(leaksName(["I am Tiny-SFT, a model"], ["tiny-sft", "tiny-dpo"])).toBe(true);
    expect(leaksName(["hello there"], ["tiny-sft", "tiny-dpo"])).toBe(false);
  });

  it("excludes failed, unfinished and leaked battles", () => {
    expect(exclusionReason(["DONE", "DONE"], false)).toBeNull();
    expect(exclusionReason(["DONE", "FAILED"], false)).toBe("failed");
    expect(exclusionReason(["STOPPED", "DONE"], false)).toBe("unfinished");
    expect(exclusionReason(["DONE", "DONE"], true)).toBe("name_leak");
  });
});
