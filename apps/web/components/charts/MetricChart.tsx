"use client";

import { memo, useCallback, useId, useMemo, useRef, useState } from "react";
import type uPlot from "uplot";
import { chartTable, formatValue, toCsv, type Series } from "./chartData";
import { DataTable } from "./DataTable";
import { downloadCsv, downloadPng } from "./download";
import { plotOptions } from "./plotOptions";
import { usePlot } from "./usePlot";

/** W&B's default smoothing weight. */
const DEFAULT_SMOOTHING = 0.6;

interface Props {
  title: string;
  series: Series[];
}

/**
 * One or more metrics by step on shared axes: hover for the values at a step, drag to zoom, log axes, smoothing
 * with the raw points kept faint behind, CSV and PNG export, and the numbers as a table. Redrawn only when one of
 * its series changes, not when a live event brings points of other metrics.
 */
export const MetricChart = memo(
  Chart,
  (before: Props, after: Props) =>
    before.title === after.title &&
    before.series.length === after.series.length &&
    before.series.every((s, i) => s === after.series[i]),
);

function Chart({ title, series }: Props) {
  const [smoothing, setSmoothing] = useState(DEFAULT_SMOOTHING);
  const [logX, setLogX] = useState(false);
  const [logY, setLogY] = useState(false);
  const container = useRef<HTMLDivElement>(null);
  const sliderId = useId();

  const table = useMemo(() => chartTable(series, { smoothing, logX, logY }), [series, smoothing, logX, logY]);
  const data = useMemo(
    (): uPlot.AlignedData => [table.steps, ...table.columns.flatMap((c) => [c.raw, c.smoothed])],
    [table],
  );
  const namesKey = series.map((s) => s.name).join("\n");
  const makeOptions = useCallback(
    (width: number, onZoom: () => void) => plotOptions(namesKey.split("\n"), { logX, logY, width, onZoom }),
    [namesKey, logX, logY],
  );
  const plot = usePlot(container, makeOptions, data);

  const [first, ...others] = series.map((s) => s.name);
  const pointCount = series.reduce((total, s) => total + s.points.length, 0);
  return (
    <figure className="metric">
      <figcaption>
        <span className="mono">{title}</span>{" "}
        <span className="muted small" data-testid="metric-latest">
          {series
            .filter((s) => s.points.length > 0)
            .map((s) => {
              const latest = s.points[s.points.length - 1];
              const value = `${formatValue(latest.value)} at step ${latest.step}`;
              return series.length > 1 ? `${s.name} ${value}` : value;
            })
            .join(" · ")}{" "}
          · {pointCount} points
        </span>
      </figcaption>
      <div className="row small">
        <label>
          <input type="checkbox" checked={logX} onChange={(e) => setLogX(e.target.checked)} /> log x
        </label>
        <label>
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log y
        </label>
        <label htmlFor={sliderId}>smoothing {smoothing.toFixed(2)}</label>
        <input
          id={sliderId}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={smoothing}
          onChange={(e) => setSmoothing(Number(e.target.value))}
        />
        <button type="button" className="button secondary" onClick={() => downloadCsv(toCsv(table), title)}>
          CSV
        </button>
        <button
          type="button"
          className="button secondary"
          onClick={() => plot.current && downloadPng(plot.current, title)}
        >
          PNG
        </button>
      </div>
      <div
        ref={container}
        role="img"
        aria-label={`${first} by step${others.length > 0 ? `, with ${others.join(", ")}` : ""}`}
        data-points={pointCount}
        data-smoothing={smoothing}
      />
      <DataTable title={title} table={table} />
    </figure>
  );
}
