import { describe, expect, it } from "vitest";
import { MixConfigSchema } from "../../src/config/data.js";
import { mixOrder, planMix } from "../../src/data/mix.js";
import { Rng } from "../../src/util/rng.js";

/** Token counts of a generated source: `docs` documents of 20..400 tokens. */
function source(name: string, docs: number, seed: number) {
  const rng = new Rng(seed);
  return { name, tokens: Uint32Array.from({ length: docs }, () => 20 + rng.int(380)) };
}

describe("mixing", () => {
  const sources = [source("dialogue", 300, 1), source("code", 2000, 2), source("web", 5000, 3)];
  const targets = { dialogue: 0.4, code: 0.1, web: 0.5 };

  it("hits the target proportions within 1% and reports the epochs each source needs", () => {
    const plan = planMix(sources, MixConfigSchema.parse({ proportions: targets }), 42);
    const mixed = [0, 0, 0];
    for (const step of mixOrder(plan, 42)) mixed[step.source] += sources[step.source].tokens[step.document];
    const total = mixed.reduce((a, b) => a + b, 0);
    plan.forEach((p, i) => {
      expect(Math.abs(mixed[i] / total - targets[p.source as keyof typeof targets])).toBeLessThan(0.01);
      expect(p.epochs).toBeCloseTo(p.targetTokens / p.cleanTokens, 3);
      expect(mixed[i]).toBe(p.plannedTokens);
    });
    // dialogue is small and must repeat; code is large relative to its share and is subsampled.
    expect(plan[0].epochs).toBeGreaterThan(1);
    expect(plan[1].epochs).toBeLessThan(1);
  });

  it("interleaves the sources, so the first tenth of the stream already has the mix", () => {
    const plan = planMix(sources, MixConfigSchema.parse({ proportions: targets }), 42);
    const steps = [...mixOrder(plan, 42)];
    const head = steps.slice(0, Math.floor(steps.length / 10));
    const mixed = [0, 0, 0];
    for (const s of head) mixed[s.source] += sources[s.source].tokens[s.document];
    const total = mixed.reduce((a, b) => a + b, 0);
    expect(Math.abs(mixed[0] / total - 0.4)).toBeLessThan(0.05);
  });

  it("is deterministic for a seed and changes with it", () => {
    const cfg = MixConfigSchema.parse({ proportions: targets, totalTokens: 500_000 });
    const order = (seed: number) =>
      [...mixOrder(planMix(sources, cfg, seed), seed)].map((s) => s.source * 1e6 + s.document);
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
  });

  it("names unknown and missing sources in the proportions", () => {
    expect(() =>
      planMix(sources, MixConfigSchema.parse({ proportions: { dialogue: 1, code: 1, books: 1 } }), 0),
    ).toThrow(/unknown sources \["books"\]/);
    expect(() => planMix(sources, MixConfigSchema.parse({ proportions: { dialogue: 1 } }), 0)).toThrow(
      /no share for sources \["code","web"\]/,
    );
  });
});
