import { describe, expect, it } from "vitest";
import {
  EarlyStopping,
  gradientHealth,
  LossSpikeDetector,
  DivergenceMonitor,
} from "../../src/train/monitors.js";

const noisyLosses = Array.from({ length: 40 }, (_, i) => 3 - i * 0.01 + 0.02 * Math.sin(i * 1.7));

describe("LossSpikeDetector", () => {
  it("flags a loss far above the window and leaves it out of the window", () => {
    const d = new LossSpikeDetector({ window: 20, zThreshold: 6, minHistory: 10 });
    for (const l of noisyLosses) expect(d.observe(l).isSpike).toBe(false);
    const before = d.state();
    const verdict = d.observe(5);
    expect(verdict.isSpike).toBe(true);
    expect(verdict.z).toBeGreaterThan(6);
    const window = noisyLosses.slice(-20);
    const mean = window.reduce((a, b) => a + b) / 20;
    expect(verdict.mean).toBeCloseTo(mean, 12);
    expect(verdict.std).toBeCloseTo(Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / 19), 12);
    expect(d.state()).toEqual(before);
    expect(before.history).toHaveLength(20);
  });

  it("reports nothing until minHistory losses were seen", () => {
    const d = new LossSpikeDetector({ window: 20, zThreshold: 3, minHistory: 10 });
    for (let i = 0; i < 9; i++) d.observe(1 + i * 1e-3);
    expect(d.observe(100)).toMatchObject({ isSpike: false, z: 0 });
  });

  it("resumes from its state with identical verdicts", () => {
    const a = new LossSpikeDetector({ window: 15, zThreshold: 6, minHistory: 5 });
    for (const l of noisyLosses.slice(0, 25)) a.observe(l);
    const b = new LossSpikeDetector(
      { window: 15, zThreshold: 6, minHistory: 5 },
      JSON.parse(JSON.stringify(a.state())),
    );
    for (const l of [...noisyLosses.slice(25), 9, 2.6]) expect(b.observe(l)).toEqual(a.observe(l));
  });

  it("waits for 20 losses by default, or a full window when it is shorter", () => {
    const short = new LossSpikeDetector({ window: 5, zThreshold: 3 });
    for (let i = 0; i < 5; i++) short.observe(1 + i * 1e-3);
    expect(short.observe(100).isSpike).toBe(true);
    const long = new LossSpikeDetector({ window: 50, zThreshold: 3 });
    for (let i = 0; i < 19; i++) long.observe(1 + i * 1e-3);
    expect(long.observe(100).isSpike).toBe(false);
    expect(long.observe(100).isSpike).toBe(true);
  });

  it("rejects a minHistory longer than the window", () => {
    expect(() => new LossSpikeDetector({ window: 5, zThreshold: 6, minHistory: 6 })).toThrow(
      /minHistory 6 exceeds window 5/,
    );
  });
});

describe("EarlyStopping", () => {
  it("counts evaluations without an improvement larger than minDelta", () => {
    const e = new EarlyStopping({ patience: 2, minDelta: 0.01 });
    expect(e.observe(1.0)).toEqual({ improved: true, shouldStop: false });
    expect(e.observe(0.995)).toEqual({ improved: false, shouldStop: false });
    expect(e.observe(0.98)).toEqual({ improved: true, shouldStop: false });
    expect(e.observe(0.975)).toEqual({ improved: false, shouldStop: false });
    const resumed = new EarlyStopping({ patience: 2, minDelta: 0.01 }, e.state());
    expect(resumed.observe(Number.NaN)).toEqual({ improved: false, shouldStop: true });
    expect(resumed.state()).toEqual({ bestLoss: 0.98, evalsWithoutImprovement: 2 });
  });
});

describe("gradientHealth", () => {
  it("flags vanishing, exploding, non-finite and out-of-range update ratios per layer", () => {
    const { flags } = gradientHealth(
      {
        perLayerGradNorms: { "h.0.attn": 0.5, "h.1.attn": 1e-9, "h.2.mlp": 500, "h.3.mlp": Number.NaN },
        updateRatios: { "h.0.attn": 0.05, "h.1.attn": 1e-8, "h.2.mlp": 0.5 },
      },
      { explodingAbove: 100 },
    );
    expect(flags).toEqual([
      { layer: "h.1.attn", kind: "vanishing", value: 1e-9 },
      { layer: "h.2.mlp", kind: "exploding", value: 500 },
      { layer: "h.3.mlp", kind: "non_finite", value: Number.NaN },
      { layer: "h.1.attn", kind: "update_ratio_low", value: 1e-8 },
      { layer: "h.2.mlp", kind: "update_ratio_high", value: 0.5 },
    ]);
  });
});

describe("DivergenceMonitor", () => {
  it("stops after `patience` losses in a row above factor x the first loss, and restores its state", () => {
    const monitor = new DivergenceMonitor({ factor: 3, patience: 3 });
    expect(monitor.observe(5.5)).toEqual({ above: false, diverged: false });
    expect(monitor.threshold).toBeCloseTo(16.5);
    expect(monitor.observe(86).above).toBe(true);
    expect(monitor.observe(4).above).toBe(false); // a recovered step resets the count
    expect(monitor.observe(646).diverged).toBe(false);
    const resumed = new DivergenceMonitor({ factor: 3, patience: 3 }, monitor.state());
    expect(resumed.observe(5249).diverged).toBe(false);
    expect(resumed.observe(1e4)).toEqual({ above: true, diverged: true });
  });
});
