import { describe, expect, it } from "vitest";
import { etaSeconds, formatDuration } from "./eta";

const startedAt = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number) => new Date(startedAt.getTime() + seconds * 1000);

describe("etaSeconds", () => {
  it("extrapolates the attempt's pace to the remaining steps", () => {
    expect(etaSeconds({ startedAt, now: at(10), step: 20, totalSteps: 100, resumedFromStep: null })).toBe(40);
  });

  it("counts only the steps of this attempt after a resume", () => {
    expect(etaSeconds({ startedAt, now: at(10), step: 60, totalSteps: 100, resumedFromStep: 50 })).toBe(40);
  });

  it("has no estimate before the first step or without a total", () => {
    expect(etaSeconds({ startedAt, now: at(5), step: 0, totalSteps: 100, resumedFromStep: null })).toBeNull();
    expect(
      etaSeconds({ startedAt, now: at(5), step: 3, totalSteps: null, resumedFromStep: null }),
    ).toBeNull();
    expect(
      etaSeconds({ startedAt: null, now: at(5), step: 3, totalSteps: 9, resumedFromStep: null }),
    ).toBeNull();
  });
});

describe("formatDuration", () => {
  it("reads like a person would say it", () => {
    expect(formatDuration(9.6)).toBe("10 s");
    expect(formatDuration(75)).toBe("1 min 15 s");
    expect(formatDuration(3725)).toBe("1 h 2 min");
  });
});
