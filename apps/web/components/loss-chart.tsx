const WIDTH = 600;
const HEIGHT = 200;
const PAD = 24;

/** A dependency-free SVG line chart; scales to its container's width. */
export function LossChart({ points }: { points: { step: number; value: number }[] }) {
  if (points.length === 0) return <p className="muted">No metrics yet.</p>;
  const maxStep = Math.max(...points.map((p) => p.step), 1);
  const values = points.map((p) => p.value);
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const x = (step: number) => PAD + ((WIDTH - 2 * PAD) * step) / maxStep;
  const y = (value: number) => HEIGHT - PAD - ((HEIGHT - 2 * PAD) * (value - low)) / (high - low || 1);
  const path = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(" ");
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="chart" role="img" aria-label="train/loss by step">
      <path d={path} fill="none" stroke="currentColor" strokeWidth={2} />
      <text x={PAD} y={PAD - 6} className="chart-label">
        {high.toFixed(3)}
      </text>
      <text x={PAD} y={HEIGHT - 6} className="chart-label">
        {low.toFixed(3)} · step {maxStep}
      </text>
    </svg>
  );
}
