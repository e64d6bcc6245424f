const WIDTH = 600;
const HEIGHT = 180;
const PAD = 28;

export interface Point {
  step: number;
  value: number;
}

/** A dependency-free SVG line chart of one metric by step; scales to its container's width. */
export function MetricChart({ name, points }: { name: string; points: Point[] }) {
  if (points.length === 0) return <p className="muted">No {name} yet.</p>;
  const steps = points.map((p) => p.step);
  const values = points.map((p) => p.value);
  const [first, last] = [Math.min(...steps), Math.max(...steps)];
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const x = (step: number) => PAD + ((WIDTH - 2 * PAD) * (step - first)) / (last - first || 1);
  const y = (value: number) => HEIGHT - PAD - ((HEIGHT - 2 * PAD) * (value - low)) / (high - low || 1);
  const path = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(" ");
  const latest = points[points.length - 1];
  return (
    <figure className="metric">
      <figcaption>
        <span className="mono">{name}</span>{" "}
        <span className="muted small" data-testid="metric-latest">
          {formatValue(latest.value)} at step {latest.step} · {points.length} points
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className="chart"
        role="img"
        aria-label={`${name} by step`}
        data-points={points.length}
      >
        {points.length === 1 ? (
          <circle cx={x(latest.step)} cy={y(latest.value)} r={3} fill="currentColor" />
        ) : (
          <path d={path} fill="none" stroke="currentColor" strokeWidth={2} />
        )}
        <text x={PAD} y={PAD - 8} className="chart-label">
          {formatValue(high)}
        </text>
        <text x={PAD} y={HEIGHT - 8} className="chart-label">
          {formatValue(low)} · steps {first}–{last}
        </text>
      </svg>
    </figure>
  );
}

export function formatValue(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e4 || magnitude < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
}
