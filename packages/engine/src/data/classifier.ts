/**
 * A small text classifier for the harmful-content stage's model hook: multinomial naive Bayes over hashed, lower-cased
 * word unigrams and bigrams, trained by the engine on a labelled file. It catches what word lists cannot (toxic text
 * that uses no listed word) at a cost of microseconds per document.
 *
 * Labelled file (JSONL), one example per line:   {"text": "...", "label": "toxic"}
 * Any label names a category; the label "ok" (configurable) means harmless. Lines without a string text and label are
 * reported with their line number. The trained model is JSON:
 *   {"format": "engine-naive-bayes", "version": 1, "buckets": 16384, "okLabel": "ok", "labels": [...],
 *    "logPriors": [...], "logLikelihoods": [[... one per bucket ...], ...]}
 */
import { readFileSync } from "node:fs";
import { fnv1a, words } from "./text.js";
import type { Document } from "./types.js";

export interface LabelledText {
  text: string;
  label: string;
}

export interface TextClassifierModel {
  format: "engine-naive-bayes";
  version: 1;
  buckets: number;
  okLabel: string;
  labels: string[];
  logPriors: number[];
  logLikelihoods: number[][];
}

const DEFAULT_BUCKETS = 1 << 14;

/** Feature buckets of a text: hashed unigrams and bigrams of its lower-cased words. */
function features(text: string, buckets: number): number[] {
  const ws = words(text.toLowerCase());
  const out: number[] = [];
  for (let i = 0; i < ws.length; i++) {
    out.push(fnv1a(ws[i]) % buckets);
    if (i + 1 < ws.length) out.push(fnv1a(`${ws[i]} ${ws[i + 1]}`) % buckets);
  }
  return out;
}

export function readLabelledFile(path: string): LabelledText[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .flatMap((line, i) => {
      if (!line.trim()) return [];
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new Error(`${path}:${i + 1}: invalid JSON: ${(err as Error).message}`, { cause: err });
      }
      const { text, label } = (value ?? {}) as Record<string, unknown>;
      if (typeof text !== "string" || typeof label !== "string")
        throw new Error(`${path}:${i + 1}: needs a string "text" and a string "label"`);
      return [{ text, label }];
    });
}

/** Laplace-smoothed naive Bayes; labels are sorted so the same examples always give the same model. */
export function trainTextClassifier(
  examples: LabelledText[],
  opts: { okLabel?: string; buckets?: number } = {},
): TextClassifierModel {
  const okLabel = opts.okLabel ?? "ok";
  const buckets = opts.buckets ?? DEFAULT_BUCKETS;
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2 || !labels.includes(okLabel))
    throw new Error(
      `a classifier needs examples of "${okLabel}" and of at least one other label (got ${JSON.stringify(labels)})`,
    );
  const counts = labels.map(() => new Float64Array(buckets));
  const docs = labels.map(() => 0);
  for (const e of examples) {
    const l = labels.indexOf(e.label);
    docs[l]++;
    for (const f of features(e.text, buckets)) counts[l][f]++;
  }
  return {
    format: "engine-naive-bayes",
    version: 1,
    buckets,
    okLabel,
    labels,
    logPriors: docs.map((d) => Math.log(d / examples.length)),
    logLikelihoods: counts.map((c) => {
      const total = c.reduce((s, v) => s + v, 0) + buckets;
      return Array.from(c, (v) => Math.log((v + 1) / total));
    }),
  };
}

export function loadTextClassifier(path: string): TextClassifierModel {
  const model = JSON.parse(readFileSync(path, "utf8")) as TextClassifierModel;
  if (model.format !== "engine-naive-bayes" || model.version !== 1)
    throw new Error(`${path}: not an engine text classifier (format "engine-naive-bayes", version 1)`);
  return model;
}

/** Probability of each label for a text. */
export function classify(model: TextClassifierModel, text: string): Record<string, number> {
  const scores = [...model.logPriors];
  for (const f of features(text, model.buckets))
    for (let l = 0; l < scores.length; l++) scores[l] += model.logLikelihoods[l][f];
  const max = Math.max(...scores);
  const exp = scores.map((s) => Math.exp(s - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return Object.fromEntries(model.labels.map((l, i) => [l, exp[i] / sum]));
}

/** The harmful stage's hook: the most probable harmful label when its probability reaches `threshold`. */
export function classifierHook(model: TextClassifierModel, threshold: number) {
  return (doc: Document): string | undefined => {
    let best: string | undefined;
    let bestP = threshold;
    for (const [label, p] of Object.entries(classify(model, doc.text)))
      if (label !== model.okLabel && p >= bestP) {
        best = label;
        bestP = p;
      }
    return best;
  };
}
