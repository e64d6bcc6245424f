/**
 * Watchers the training loop consults every step or every evaluation. Each keeps its state in a plain object of
 * the schemas in state.ts, so trainer_state.json restores them exactly. Options the run configs expose (window,
 * zThreshold, patience, minDelta) are required here: their defaults are written once, in src/config.
 */
import { z } from "zod";
import type { DivergenceState, EarlyStoppingState, LossSpikeState } from "./state.js";

export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `loss is ${loss} at step ${step}: training stopped and the last good checkpoint is kept. ` +
        `Usual causes: a learning rate too high for the model, missing warmup, or bad input data.`,
    );
    this.name = "NonFiniteLossError";
  }
}

export const LossSpikeOptionsSchema = z.strictObject({
  /** How many recent accepted losses the mean and standard deviation are taken over. */
  window: z.number().int().min(2),
  /** A loss more than this many standard deviations above the window mean is a spike. */
  zThreshold: z.number().positive(),
  /** No spike is reported until the window holds this many losses (early training falls fast). Default: 20, or the window if shorter. */
  minHistory: z.number().int().min(2).optional(),
});
const DEFAULT_MIN_HISTORY = 20;
export type LossSpikeOptions = z.input<typeof LossSpikeOptionsSchema>;

export interface SpikeVerdict {
  isSpike: boolean;
  /** (loss - mean) / std over the window before this loss; 0 while the window is too short. */
  z: number;
  mean: number;
  std: number;
}

/**
 * Flags a loss far above the recent ones (z-score over a sliding window), so the loop can skip that update.
 * Only upward jumps count. A spike is not added to the window: one bad batch must not widen the band for the next.
 */
export class LossSpikeDetector {
  private readonly window: number;
  private readonly zThreshold: number;
  private readonly minHistory: number;
  private history: number[];

  constructor(options: LossSpikeOptions, state?: LossSpikeState) {
    const o = LossSpikeOptionsSchema.parse(options);
    this.window = o.window;
    this.zThreshold = o.zThreshold;
    this.minHistory = o.minHistory ?? Math.min(DEFAULT_MIN_HISTORY, o.window);
    if (this.minHistory > this.window)
      throw new RangeError(`LossSpikeDetector: minHistory ${this.minHistory} exceeds window ${this.window}`);
    this.history = state ? state.history.slice(-this.window) : [];
  }

  observe(loss: number): SpikeVerdict {
    const n = this.history.length;
    const mean = n === 0 ? 0 : this.history.reduce((a, b) => a + b, 0) / n;
    const variance = n < 2 ? 0 : this.history.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const std = Math.sqrt(variance);
    let z = 0;
    if (n >= this.minHistory) z = std > 0 ? (loss - mean) / std : loss > mean ? Infinity : 0;
    const isSpike = !Number.isFinite(loss) || z > this.zThreshold;
    if (!isSpike) {
      this.history.push(loss);
      if (this.history.length > this.window) this.history.shift();
    }
    return { isSpike, z, mean, std };
  }

  state(): LossSpikeState {
    return { history: this.history.slice() };
  }
}

export const EarlyStoppingOptionsSchema = z.strictObject({
  /** Evaluations in a row without improvement before stopping. */
  patience: z.number().int().min(1),
  /** An evaluation loss must be lower than the best by more than this to count as an improvement. */
  minDelta: z.number().min(0),
});
export type EarlyStoppingOptions = z.infer<typeof EarlyStoppingOptionsSchema>;

export class EarlyStopping {
  private readonly options: EarlyStoppingOptions;
  private current: EarlyStoppingState;

  constructor(options: EarlyStoppingOptions, state?: EarlyStoppingState) {
    this.options = EarlyStoppingOptionsSchema.parse(options);
    this.current = state ? { ...state } : { bestLoss: null, evalsWithoutImprovement: 0 };
  }

  observe(evalLoss: number): { improved: boolean; shouldStop: boolean } {
    const best = this.current.bestLoss;
    const improved = Number.isFinite(evalLoss) && (best === null || evalLoss < best - this.options.minDelta);
    if (improved) this.current = { bestLoss: evalLoss, evalsWithoutImprovement: 0 };
    else
      this.current = { ...this.current, evalsWithoutImprovement: this.current.evalsWithoutImprovement + 1 };
    return { improved, shouldStop: this.current.evalsWithoutImprovement >= this.options.patience };
  }

  state(): EarlyStoppingState {
    return { ...this.current };
  }
}

/**
 * The divergence rule of config/harness.ts: the first loss is the reference; `patience` losses in a row above
 * factor x reference mean the run diverged. A spike that the detector skipped still counts: skipping hides one bad
 * batch, never a trend.
 */
export class DivergenceMonitor {
  private current: DivergenceState;

  constructor(
    private readonly options: { factor: number; patience: number },
    state?: DivergenceState,
  ) {
    this.current = state ? { ...state } : { reference: null, strikes: 0 };
  }

  /** The loss above which a step counts as a strike (Infinity before the first loss). */
  get threshold(): number {
    return this.current.reference === null ? Infinity : this.options.factor * this.current.reference;
  }

  observe(loss: number): { above: boolean; diverged: boolean } {
    if (this.current.reference === null) this.current = { reference: Math.abs(loss), strikes: 0 };
    const above = loss > this.threshold;
    this.current = { ...this.current, strikes: above ? this.current.strikes + 1 : 0 };
    return { above, diverged: this.current.strikes >= this.options.patience };
  }

  state(): DivergenceState {
    return { ...this.current };
  }
}

export const GradientHealthThresholdsSchema = z.strictObject({
  /** A layer whose gradient norm is below this learns nothing. */
  vanishingBelow: z.number().min(0).default(1e-7),
  /** A layer gradient norm above this (before clipping) signals divergence. */
  explodingAbove: z.number().positive().default(100),
  /**
   * ||update|| / ||weights|| of a group in one step. Adam moves every weight by about lr while its gradient keeps
   * its sign (|m / sqrt(v)| <= 1), so early in a healthy run the ratio is about lr / rms(weights): 0.05 at lr 1e-3
   * and GPT-2's init std 0.02. The folklore 1e-3 is for SGD and late training; it flagged every healthy Adam run's
   * first hundred steps. Above 0.1 a group moves a tenth of its norm per step: too fast for any optimizer.
   */
  updateRatioAbove: z.number().positive().default(0.1),
  updateRatioBelow: z.number().min(0).default(1e-6),
});
export type GradientHealthThresholds = z.input<typeof GradientHealthThresholdsSchema>;

export type GradientFlagKind =
  "non_finite" | "vanishing" | "exploding" | "update_ratio_high" | "update_ratio_low";

export interface GradientFlag {
  layer: string;
  kind: GradientFlagKind;
  value: number;
}

/** Flags layers whose gradient norms or update/weight ratios are outside healthy bounds. */
export function gradientHealth(
  stats: { perLayerGradNorms: Record<string, number>; updateRatios: Record<string, number> },
  thresholds: GradientHealthThresholds = {},
): { flags: GradientFlag[] } {
  const t = GradientHealthThresholdsSchema.parse(thresholds);
  const flags: GradientFlag[] = [];
  for (const [layer, value] of Object.entries(stats.perLayerGradNorms)) {
    if (!Number.isFinite(value)) flags.push({ layer, kind: "non_finite", value });
    else if (value < t.vanishingBelow) flags.push({ layer, kind: "vanishing", value });
    else if (value > t.explodingAbove) flags.push({ layer, kind: "exploding", value });
  }
  for (const [layer, value] of Object.entries(stats.updateRatios)) {
    if (!Number.isFinite(value)) flags.push({ layer, kind: "non_finite", value });
    else if (value > t.updateRatioAbove) flags.push({ layer, kind: "update_ratio_high", value });
    else if (value < t.updateRatioBelow) flags.push({ layer, kind: "update_ratio_low", value });
  }
  return { flags };
}
