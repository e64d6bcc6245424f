/**
 * Mixing: each source gets a target share of the mix's tokens. A source's target divided by its clean tokens is the
 * number of epochs the mix implies: 2.5 means two full passes and half of the documents once more; 0.3 means 30% of
 * the documents. The documents of a partial pass are chosen by error diffusion over token counts (with a seeded start),
 * which lands within one document of the token target. The sources are interleaved by drawing the next source with
 * probability proportional to its remaining planned tokens, so every part of the stream has the target mix.
 * Everything depends only on token counts and the seed, never on timing, so a run replays exactly.
 */
import type { DataPrepareConfig } from "../config/data.js";
import { Rng } from "../util/rng.js";

export interface SourceTokenCounts {
  name: string;
  /** Tokens of each clean document, end-of-text included. */
  tokens: Uint32Array;
}

export interface MixPlanEntry {
  source: string;
  /** Tokens of each clean document (not written to the data card). */
  tokens: Uint32Array;
  cleanDocuments: number;
  cleanTokens: number;
  targetShare: number;
  targetTokens: number;
  epochs: number;
  fullPasses: number;
  /** Which documents the final, partial pass takes (1 = taken). */
  partial: Uint8Array;
  plannedDocuments: number;
  plannedTokens: number;
}

export function planMix(
  sources: SourceTokenCounts[],
  cfg: DataPrepareConfig["mix"],
  seed: number,
): MixPlanEntry[] {
  const names = sources.map((s) => s.name);
  const clean = sources.map((s) => s.tokens.reduce((a, b) => a + b, 0));
  const total = clean.reduce((a, b) => a + b, 0);
  let shares: number[];
  if (cfg.proportions) {
    const unknown = Object.keys(cfg.proportions).filter((n) => !names.includes(n));
    if (unknown.length)
      throw new Error(
        `mix.proportions names unknown sources ${JSON.stringify(unknown)} (sources: ${names.join(", ")})`,
      );
    const missing = names.filter((n) => !(n in cfg.proportions!));
    if (missing.length)
      throw new Error(
        `mix.proportions has no share for sources ${JSON.stringify(missing)}; give each source a share (0 leaves it out)`,
      );
    const sum = names.reduce((s, n) => s + cfg.proportions![n], 0);
    if (sum <= 0) throw new Error("mix.proportions must have a positive sum");
    shares = names.map((n) => cfg.proportions![n] / sum);
  } else {
    shares = clean.map((c) => (total > 0 ? c / total : 0));
  }
  const mixTokens = cfg.totalTokens ?? total;
  const rng = new Rng(seed ^ 0x6d1c);
  return sources.map((s, i) => {
    const targetTokens = shares[i] * mixTokens;
    if (targetTokens > 0 && clean[i] === 0)
      throw new Error(
        `source "${s.name}" has no documents left after cleaning but a mix share of ${shares[i].toFixed(3)}`,
      );
    const epochs = clean[i] > 0 ? targetTokens / clean[i] : 0;
    const fullPasses = Math.floor(epochs);
    const partial = selectByTokens(s.tokens, epochs - fullPasses, rng);
    let partialTokens = 0;
    let partialDocs = 0;
    partial.forEach((take, d) => {
      if (take) {
        partialTokens += s.tokens[d];
        partialDocs++;
      }
    });
    return {
      source: s.name,
      tokens: s.tokens,
      cleanDocuments: s.tokens.length,
      cleanTokens: clean[i],
      targetShare: shares[i],
      targetTokens: Math.round(targetTokens),
      epochs,
      fullPasses,
      partial,
      plannedDocuments: fullPasses * s.tokens.length + partialDocs,
      plannedTokens: fullPasses * clean[i] + partialTokens,
    };
  });
}

/** Error diffusion: take a document when the running token credit covers at least half of it. */
function selectByTokens(tokens: Uint32Array, fraction: number, rng: Rng): Uint8Array {
  const take = new Uint8Array(tokens.length);
  if (fraction <= 0) return take;
  const mean = tokens.reduce((a, b) => a + b, 0) / Math.max(tokens.length, 1);
  let credit = rng.next() * mean * fraction;
  for (let d = 0; d < tokens.length; d++) {
    credit += fraction * tokens[d];
    if (credit >= tokens[d] / 2) {
      take[d] = 1;
      credit -= tokens[d];
    }
  }
  return take;
}

/** One step of the mixed stream: which source, and which of its documents. */
export interface MixStep {
  source: number;
  document: number;
}

/** The mixed order of documents, as (source, document) steps; deterministic for the plan and the seed. */
export function* mixOrder(plan: MixPlanEntry[], seed: number): Generator<MixStep> {
  const rng = new Rng(seed ^ 0x5eed);
  const remaining = plan.map((p) => p.plannedTokens);
  const pass = plan.map(() => 0);
  const next = plan.map(() => 0);
  let left = remaining.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let r = rng.next() * left;
    let s = 0;
    while (s < remaining.length - 1 && (r >= remaining[s] || remaining[s] === 0)) {
      r -= remaining[s];
      s++;
    }
    const p = plan[s];
    // Advance to this source's next planned document: full passes take all, the last pass only the selected ones.
    for (;;) {
      if (next[s] >= p.cleanDocuments) {
        pass[s]++;
        next[s] = 0;
      }
      if (pass[s] < p.fullPasses || p.partial[next[s]]) break;
      next[s]++;
    }
    const document = next[s]++;
    yield { source: s, document };
    remaining[s] -= p.tokens[document];
    left -= p.tokens[document];
  }
}
