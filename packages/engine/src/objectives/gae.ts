/**
 * Generalized advantage estimation (Schulman et al. 2016, "High-dimensional continuous control using GAE"):
 *
 *   delta_t = r_t + gamma * V_{t+1} - V_t
 *   A_t     = delta_t + gamma * lambda * A_{t+1}        (A_T = 0, V_T = 0)
 *   R_t     = A_t + V_t                                  (the value target)
 *
 * Rows are responses of one rollout batch; positions whose mask is 0 (padding after the response) are terminal:
 * their reward, value and advantage are 0, as in TRL's PPOTrainer, which zeroes them before the same recursion.
 * Pure JavaScript in float64: it runs once per rollout on [batch, response length] numbers, outside the graph.
 */
export interface AdvantageRows {
  advantages: number[][];
  returns: number[][];
}

export function generalizedAdvantages(
  rewards: number[][],
  values: number[][],
  mask: number[][],
  gamma: number,
  lambda: number,
): AdvantageRows {
  if (rewards.length !== values.length || rewards.length !== mask.length) {
    throw new Error(
      `gae: rewards, values and mask need the same number of rows, got ${rewards.length}, ${values.length}, ${mask.length}`,
    );
  }
  const advantages: number[][] = [];
  const returns: number[][] = [];
  rewards.forEach((row, b) => {
    const length = row.length;
    if (values[b].length !== length || mask[b].length !== length) {
      throw new Error(
        `gae: row ${b} has ${length} rewards but ${values[b].length} values and ${mask[b].length} mask entries`,
      );
    }
    const adv = new Array<number>(length).fill(0);
    let next = 0;
    let nextValue = 0;
    for (let t = length - 1; t >= 0; t--) {
      const m = mask[b][t];
      const value = values[b][t] * m;
      const delta = rewards[b][t] * m + gamma * nextValue - value;
      next = delta + gamma * lambda * next;
      adv[t] = next * m;
      nextValue = value;
    }
    advantages.push(adv);
    returns.push(adv.map((a, t) => (a + values[b][t]) * mask[b][t]));
  });
  return { advantages, returns };
}

/**
 * Whitening over the unmasked entries of a whole batch (TRL masked_whiten): divide by the standard deviation with
 * Bessel's correction (+1e-8 inside the square root, as TRL), and subtract the mean unless `shiftMean` is false
 * (TRL keeps the mean when it whitens rewards, and removes it from advantages).
 */
export function whiten(x: number[][], mask: number[][], shiftMean = true): number[][] {
  let count = 0;
  let sum = 0;
  x.forEach((row, b) => row.forEach((v, t) => ((sum += v * mask[b][t]), (count += mask[b][t]))));
  if (count < 2) throw new Error(`whiten: needs at least 2 unmasked entries, got ${count}`);
  const mean = sum / count;
  let squares = 0;
  x.forEach((row, b) => row.forEach((v, t) => (squares += (v - mean) ** 2 * mask[b][t])));
  const variance = (squares / count) * (count / (count - 1));
  const scale = 1 / Math.sqrt(variance + 1e-8);
  return x.map((row, b) => row.map((v, t) => ((v - mean) * scale + (shiftMean ? 0 : mean)) * mask[b][t]));
}
