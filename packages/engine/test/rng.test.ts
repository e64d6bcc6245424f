import { describe, expect, it } from "vitest";
import { Rng } from "../src/util/rng.js";

describe("Rng", () => {
  it("is deterministic for a seed and resumes exactly from a saved state", () => {
    const a = new Rng(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => new Rng(42).nextUint32())[0]).toBe(first[0]);
    const saved = a.state();
    const cont = Array.from({ length: 100 }, () => a.next());
    const b = Rng.fromState(saved);
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(cont);
    expect(new Rng(43).nextUint32()).not.toBe(first[0]);
  });

  it("draws uniforms and normals with the right moments", () => {
    const r = new Rng(1);
    const n = 20000;
    let sum = 0,
      sq = 0,
      usum = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
      usum += r.next();
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
    expect(Math.abs(usum / n - 0.5)).toBeLessThan(0.01);
    expect(() => r.int(0)).toThrow(/positive integer/);
  });
});
