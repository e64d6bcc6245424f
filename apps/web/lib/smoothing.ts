/**
 * The time-weighted, debiased exponential moving average (TWEMA) that Weights & Biases draws by default:
 * https://docs.wandb.ai/guides/app/features/panels/line-plot/smoothing/ ("Time Weighted Exponential Moving
 * Average (TWEMA) smoothing (Default)"). Per point, with w = min(√smoothing, 0.999):
 *   decay = w ^ (Δx / rangeOfX · viewportScale),  sum = sum · decay + y,  weight = weight · decay + 1,
 *   smoothed = sum / weight.
 * Dividing by the accumulated weight is the debiasing: without it the first points would be pulled towards 0.
 * Scaling the decay by Δx lets a sparse series (eval/loss) and a dense one (train/loss) smooth alike.
 *
 * W&B's page does not state its viewport scale, so we name the x distance over which the weight decays by w:
 * `unit`. It defaults to the series' mean spacing, so evenly spaced points decay by exactly w per point (the
 * familiar TensorBoard EMA) and uneven gaps by their length. Lines drawn together should share one unit (see
 * `meanSpacing`), so a sparse eval/loss is smoothed over the same number of steps as a dense train/loss.
 */
export function smoothTwema(
  xs: readonly number[],
  ys: readonly number[],
  smoothing: number,
  unit = meanSpacing(xs),
): number[] {
  if (xs.length !== ys.length) {
    throw new Error(`smoothTwema needs one x per y, got ${xs.length} x values and ${ys.length} y values`);
  }
  if (!(smoothing >= 0 && smoothing <= 1)) {
    throw new Error(`smoothing must be between 0 and 1, got ${smoothing}`);
  }
  if (smoothing === 0 || !(unit > 0)) return [...ys];
  const weight = Math.min(Math.sqrt(smoothing), 0.999);
  let sum = 0;
  let debias = 0;
  return ys.map((y, i) => {
    const decay = Math.pow(weight, (xs[i] - xs[Math.max(i - 1, 0)]) / unit);
    sum = sum * decay + y;
    debias = debias * decay + 1;
    return sum / debias;
  });
}

/** The mean distance between neighbouring x values; NaN for fewer than two points, where nothing is smoothed. */
export function meanSpacing(xs: readonly number[]): number {
  return xs.length < 2 ? NaN : (xs[xs.length - 1] - xs[0]) / (xs.length - 1);
}
