/** Picking the next token from logits: greedy, or temperature with top-k and top-p (nucleus) filtering. */
import type { Rng } from "../util/rng.js";

export interface SamplingOptions {
  /** 0 = greedy (argmax) */
  temperature: number;
  /** keep the k most likely tokens (0 = all) */
  topK: number;
  /** keep the smallest set of tokens whose probability reaches p (1 = all) */
  topP: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export function sampleToken(logits: ArrayLike<number>, o: SamplingOptions, rng: Rng): number {
  if (o.temperature <= 0) return argmax(logits);
  let order = Array.from({ length: logits.length }, (_, i) => i).sort(
    (a, b) => logits[b] - logits[a] || a - b,
  );
  if (o.topK > 0) order = order.slice(0, o.topK);
  const top = logits[order[0]];
  let probs = order.map((i) => Math.exp((logits[i] - top) / o.temperature));
  let total = probs.reduce((a, b) => a + b, 0);
  if (o.topP < 1) {
    let cumulative = 0;
    let keep = 0;
    while (keep < probs.length && cumulative < o.topP * total) cumulative += probs[keep++];
    order = order.slice(0, Math.max(1, keep));
    probs = probs.slice(0, order.length);
    total = probs.reduce((a, b) => a + b, 0);
  }
  let r = rng.next() * total;
  for (let i = 0; i < order.length; i++) {
    r -= probs[i];
    if (r < 0) return order[i];
  }
  return order[order.length - 1];
}
