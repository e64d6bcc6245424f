"use client";

import { useState } from "react";
import { formatValue, type ChartTable } from "./chartData";

const cell = (value: number | null) => (value === null ? "" : formatValue(value));

/**
 * The chart's numbers for screen readers and copying. Rows are rendered only while the table is open: a long
 * run has thousands of steps, and the closed table would otherwise be rebuilt on every live update.
 */
export function DataTable({ title, table }: { title: string; table: ChartTable }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className="small">Data table ({table.steps.length} steps)</summary>
      {open && (
        <table className="table small">
          <caption className="muted">{title}: raw and smoothed values by step</caption>
          <thead>
            <tr>
              <th scope="col">step</th>
              {table.columns.flatMap((column) => [
                <th key={`${column.name}-raw`} scope="col">
                  {column.name}
                </th>,
                <th key={`${column.name}-smoothed`} scope="col">
                  {column.name} (smoothed)
                </th>,
              ])}
            </tr>
          </thead>
          <tbody>
            {table.steps.map((step, i) => (
              <tr key={step}>
                <th scope="row">{step}</th>
                {table.columns.flatMap((column) => [
                  <td key={`${column.name}-raw`}>{cell(column.raw[i])}</td>,
                  <td key={`${column.name}-smoothed`}>{cell(column.smoothed[i])}</td>,
                ])}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
