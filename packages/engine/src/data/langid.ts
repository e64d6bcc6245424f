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
  return eld.detect(text.slice(0, SAMPLE_CHARS)).language || "und";
}

export function languageStage(
  cfg: DataPrepareConfig["language"],
  onLanguage: (source: string, language: string) => void,
): Stage {
  const allowed = new Set(cfg.allowed);
  return {
    name: "language",
    apply(doc) {
      const language = doc.text.length < cfg.minChars ? "und" : detectLanguage(doc.text);
      onLanguage(doc.source, language);
      if (allowed.size > 0 && language !== "und" && !allowed.has(language))
        return { drop: `language_${language}` };
      return {};
    },
  };
}
