/** Unicode normalisation and whitespace clean-up; reports which of the two changed the text. */
import type { DataPrepareConfig } from "../config/data.js";
import type { Stage } from "./types.js";

// Control characters other than tab and newline carry no text; escape sequences and NULs come from broken extraction.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function normalizeStage(cfg: DataPrepareConfig["normalize"]): Stage {
  return {
    name: "normalize",
    apply(doc) {
      const changes: string[] = [];
      let text = doc.text;
      if (cfg.unicode !== "none") {
        const n = text.normalize(cfg.unicode);
        if (n !== text) changes.push(`unicode_${cfg.unicode.toLowerCase()}`);
        text = n;
      }
      if (cfg.whitespace) {
        const w = text
          .replace(/\r\n?/g, "\n")
          .replace(CONTROL, "")
          .replace(/[ \t]+/g, (m) => (m.includes("\t") && m.length === 1 ? "\t" : " "))
          .replace(/ +\n/g, "\n")
          .replace(/\n{3,}/g, "\n\n")
          .trim();
        if (w !== text) changes.push("whitespace");
        text = w;
      }
      if (text === "") return { drop: "empty" };
      return changes.length ? { text, changes } : {};
    },
  };
}
