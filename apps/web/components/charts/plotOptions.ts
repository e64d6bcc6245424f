import type uPlot from "uplot";
import { formatValue } from "./chartData";

export const PLOT_HEIGHT = 220;
const COLOURS = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2"];
/** Hex alpha for the raw points behind the smoothed line: visible, but clearly the background. */
const FAINT = "40";

const readout = (_: uPlot, value: number | null) => (value === null ? "—" : formatValue(value));

/** Short tick labels (0.0005, 2.5, 1e+6); a log axis passes null for the ticks it leaves unlabelled. */
const ticks = (_: uPlot, values: (number | null)[]) =>
  values.map((value) => {
    if (value === null) return "";
    const magnitude = Math.abs(value);
    return magnitude >= 1e5 || (magnitude > 0 && magnitude < 1e-4)
      ? value.toExponential(1)
      : String(Number(value.toPrecision(4)));
  });

/**
 * uPlot options for series named `names`, each drawn as a faint raw line with its smoothed line on top, in the
 * column order of `plotData`. Dragging across the plot zooms into those steps; a double click zooms back out.
 */
export function plotOptions(
  names: readonly string[],
  { logX, logY, width, onZoom }: { logX: boolean; logY: boolean; width: number; onZoom: () => void },
): uPlot.Options {
  const distr = (log: boolean) => (log ? 3 : 1);
  return {
    width,
    height: PLOT_HEIGHT,
    scales: { x: { time: false, distr: distr(logX) }, y: { distr: distr(logY) } },
    axes: [
      { label: logX ? "step (log)" : "step", values: ticks },
      { label: logY ? "value (log)" : "value", values: ticks, size: 60 },
    ],
    series: [
      { label: "step", value: (_, step) => (step === null ? "—" : String(step)) },
      ...names.flatMap((name, i) => {
        const colour = COLOURS[i % COLOURS.length];
        return [
          {
            label: `${name} (raw)`,
            stroke: colour + FAINT,
            width: 1,
            spanGaps: true,
            points: { show: false },
            value: readout,
          },
          { label: name, stroke: colour, width: 2, spanGaps: true, value: readout },
        ];
      }),
    ],
    cursor: { drag: { x: true, y: false } },
    hooks: { setSelect: [(u) => u.select.width > 0 && onZoom()] },
  };
}
