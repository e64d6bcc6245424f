"use client";

import { useMemo, useRef } from "react";
import { seriesOf } from "../runs/useRunLive";
import type { Series } from "./chartData";
import { MetricChart } from "./MetricChart";

/** Metrics drawn together on one chart, so the gap between them (overfitting) is read at a glance. */
const GROUPS = [{ title: "loss", names: ["train/loss", "eval/loss"] }];

type ValuesByStep = Record<number, number>;

/**
 * The run's charts: train and validation loss together first, then every other metric by name. A metric's
 * values keep their identity until an event brings it new points, so its series is built once per change and
 * the charts of metrics an event did not touch are not redrawn.
 */
export function RunCharts({ metrics }: { metrics: Record<string, ValuesByStep> }) {
  const built = useRef(new WeakMap<ValuesByStep, Series>());
  const charts = useMemo(() => {
    const seriesNamed = (name: string) => {
      const values = metrics[name];
      if (!built.current.has(values)) built.current.set(values, { name, points: seriesOf(values) });
      return built.current.get(values)!;
    };
    const names = Object.keys(metrics).sort();
    const grouped = GROUPS.map(({ title, names: members }) => ({
      title,
      series: members.filter((name) => name in metrics).map(seriesNamed),
    })).filter((chart) => chart.series.length > 0);
    const inGroup = new Set(GROUPS.flatMap((group) => group.names));
    const single = names
      .filter((name) => !inGroup.has(name))
      .map((name) => ({ title: name, series: [seriesNamed(name)] }));
    return [...grouped, ...single];
  }, [metrics]);

  if (charts.length === 0) return <p className="muted">No metrics yet.</p>;
  return (
    // Wider than the shared .charts grid (each chart carries its own controls and read-out), one column on phones.
    <div
      className="charts"
      style={{ gridTemplateColumns: "repeat(auto-fill, minmax(min(400px, 100%), 1fr))" }}
    >
      {charts.map((chart) => (
        <MetricChart key={chart.title} title={chart.title} series={chart.series} />
      ))}
    </div>
  );
}
