/**
 * Language identification with eld (Efficient Language Detector, medium database). Chosen by measuring eld, tinyld,
 * franc-min and cld3-asm on fixtures/data/langid-sample.jsonl (75 sentences, 15 languages): eld was the only one
 * with every sentence right and the fastest (about 0.1 ms per sentence, pure JavaScript, no WASM start-up);
 * `npm run bench:data` repeats the comparison.
 */
import { eld } from "eld/medium";
import type { DataPrepareConfig } from "../config/data.js";
import type { Stage } from "./types.js";

/** Detection reads at most this many characters: enough for a stable answer, bounded cost for long documents. */
const SAMPLE_CHARS = 2000;

export function detectLanguage(text: string): string {
  return detectWithScore(text).language;
}

/**
 * The language and a confidence in [0, 1]: how far the best language's eld score stands above the runner-up's
 * (1 - second / best). eld's raw scores are not probabilities (a two-word text scores 0.7), while this margin is
 * about 0.2-0.3 for an ordinary sentence and below 0.1 for text too short or mixed to call.
 */
export function detectWithScore(text: string): { language: string; score: number } {
  const result = eld.detect(text.slice(0, SAMPLE_CHARS));
  const language = result.language || "und";
  const scores = Object.values(result.getScores()).sort((a, b) => b - a);
  return { language, score: scores.length === 0 ? 0 : 1 - (scores[1] ?? 0) / scores[0] };
}

export function languageStage(
  cfg: DataPrepareConfig["language"],
  onLanguage: (source: string, language: string, score: number) => void,
): Stage {
  const allowed = new Set(cfg.allowed);
  return {
    name: "language",
    apply(doc) {
      const { language, score } =
        doc.text.length < cfg.minChars ? { language: "und", score: 0 } : detectWithScore(doc.text);
      onLanguage(doc.source, language, score);
      if (allowed.size === 0 || language === "und") return {};
      if (!allowed.has(language)) return { drop: `language_${language}` };
      if (score < cfg.minConfidence) return { drop: "language_low_confidence" };
      return {};
    },
  };
}
