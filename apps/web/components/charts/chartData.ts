import { meanSpacing, smoothTwema } from "@/lib/smoothing";

export interface Point {
  step: number;
  value: number;
}

export interface Series {
  name: string;
  points: Point[];
}

/** Raw and smoothed values of one series on the chart's shared steps; null where it has no point there. */
export interface Column {
  name: string;
  raw: (number | null)[];
  smoothed: (number | null)[];
}

export interface ChartTable {
  steps: number[];
  columns: Column[];
}

/**
 * Aligns series logged at different steps (eval/loss is sparser than train/loss) on the union of their steps.
 * Each series is smoothed on its own points, all over the densest series' spacing, so a sparse eval/loss is
 * not lagged by many steps behind train/loss. On a log axis, steps or values that are not positive cannot be
 * placed and are left out.
 */
export function chartTable(
  series: readonly Series[],
  { smoothing, logX, logY }: { smoothing: number; logX: boolean; logY: boolean },
): ChartTable {
  const steps = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))]
    .filter((step) => !logX || step > 0)
    .sort((a, b) => a - b);
  const plottable = (value: number) => (logY && value <= 0 ? null : value);
  const spacings = series.map((s) => meanSpacing(s.points.map((p) => p.step))).filter((d) => d > 0);
  const unit = spacings.length > 0 ? Math.min(...spacings) : NaN;
  const columns = series.map(({ name, points }) => {
    const smoothed = smoothTwema(
      points.map((p) => p.step),
      points.map((p) => p.value),
      smoothing,
      unit,
    );
    const raw = new Map(points.map((p, i) => [p.step, [p.value, smoothed[i]] as const]));
    return {
      name,
      raw: steps.map((step) => (raw.has(step) ? plottable(raw.get(step)![0]) : null)),
      smoothed: steps.map((step) => (raw.has(step) ? plottable(raw.get(step)![1]) : null)),
    };
  });
  return { steps, columns };
}

/** The table as CSV: one row per step, a raw and a smoothed column per series, empty where a series has no point. */
export function toCsv({ steps, columns }: ChartTable): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const header = ["step", ...columns.flatMap((c) => [c.name, `${c.name} (smoothed)`])].map(quote);
  const rows = steps.map((step, i) =>
    [step, ...columns.flatMap((c) => [c.raw[i], c.smoothed[i]])].map((v) => (v === null ? "" : String(v))),
  );
  return [header, ...rows].map((row) => row.join(",")).join("\n") + "\n";
}

export function formatValue(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e4 || magnitude < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
}
