/**
 * Harmful-content filter: per-category term lists with a density threshold (matches per 1000 words), plus an
 * optional classifier hook for a model-based filter later. The default lists in the config are small and
 * illustrative; real deployments point `termsFile` at maintained lists.
 */
import { readFileSync } from "node:fs";
import type { DataPrepareConfig } from "../config/data.js";
import { escapeRegex } from "../tokenizer/pretokenize.js";
import { words } from "./text.js";
import type { Document, Stage } from "./types.js";

/** Returns the category a document belongs to, or undefined to keep it (e.g. a toxicity model's verdict). */
export type HarmfulClassifier = (doc: Document) => string | undefined;

type HarmfulConfig = DataPrepareConfig["harmful"];

export function loadTermsFile(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean);
}

export function harmfulStage(cfg: HarmfulConfig, classifier?: HarmfulClassifier): Stage {
  const categories = cfg.categories
    .map((c) => {
      const terms = [...c.terms, ...(c.termsFile ? loadTermsFile(c.termsFile) : [])];
      const pattern = terms.map((t) => escapeRegex(t.toLowerCase()).replace(/\s+/g, "\\s+")).join("|");
      return {
        name: c.name,
        max: c.maxPerThousandWords,
        regex: terms.length
          ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${pattern})(?![\\p{L}\\p{N}])`, "giu")
          : undefined,
      };
    })
    .filter((c) => c.regex !== undefined);
  return {
    name: "harmful",
    apply(doc) {
      if (categories.length > 0) {
        const n = Math.max(words(doc.text).length, 1);
        for (const c of categories) {
          const matches = doc.text.match(c.regex!)?.length ?? 0;
          if (matches > 0 && (matches * 1000) / n > c.max) return { drop: `harmful_${c.name}` };
        }
      }
      const verdict = classifier?.(doc);
      return verdict ? { drop: `harmful_${verdict}` } : {};
    },
  };
}
