/**
 * Personal data: e-mail addresses, phone numbers, IP addresses (v4 and v6) and payment card numbers.
 * Matching is deliberately conservative where a false positive would destroy ordinary text: a dotted quad after
 * "version" or "v" is a version number, and a digit run is a card number only when the Luhn checksum holds.
 */
import type { DataPrepareConfig } from "../config/data.js";
import type { Stage } from "./types.js";

type PiiConfig = DataPrepareConfig["pii"];
export type PiiKind = "email" | "card_number" | "ip_address" | "phone";

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const PATTERNS: Record<PiiKind, RegExp> = {
  email: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  card_number: /(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
  ip_address: new RegExp(
    String.raw`(?<![\w.])(?:${OCTET}\.){3}${OCTET}(?![\w]|\.\d)|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])`,
    "g",
  ),
  phone:
    /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}(?:[ .-]\d{2,4}){0,2}(?![\w])/g,
};
const PLACEHOLDER: Record<PiiKind, string> = {
  email: "<EMAIL>",
  card_number: "<CARD_NUMBER>",
  ip_address: "<IP_ADDRESS>",
  phone: "<PHONE>",
};
const VERSION_BEFORE = /(?:^|[^\p{L}])(?:version|ver\.?|release|rev\.?|kernel|v)\s*$/iu;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function accept(kind: PiiKind, match: string, before: string): boolean {
  const digits = match.replace(/\D/g, "");
  if (kind === "card_number") return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
  if (kind === "phone") return digits.length >= 9 && digits.length <= 15 && /[ .()+-]/.test(match);
  if (kind === "ip_address") return !VERSION_BEFORE.test(before);
  return true;
}

/** Finds (and, with a replacer, rewrites) the personal data of one kind; returns the text and how many matched. */
export function scanPii(text: string, kind: PiiKind, replace: boolean): { text: string; found: number } {
  let found = 0;
  const out = text.replace(PATTERNS[kind], (m: string, ...rest: unknown[]) => {
    const offset = rest[rest.length - 2] as number;
    if (!accept(kind, m, text.slice(Math.max(0, offset - 12), offset))) return m;
    found++;
    return replace ? PLACEHOLDER[kind] : m;
  });
  return { text: out, found };
}

export function piiStage(cfg: PiiConfig): Stage {
  // Cards before phones: a card number would otherwise also look like a long phone number.
  const kinds = (["email", "card_number", "ip_address", "phone"] as const).filter(
    (k) =>
      ({ email: cfg.email, card_number: cfg.cardNumber, ip_address: cfg.ipAddress, phone: cfg.phone })[k],
  );
  return {
    name: "pii",
    apply(doc) {
      let text = doc.text;
      const changes: string[] = [];
      for (const kind of kinds) {
        const r = scanPii(text, kind, cfg.action === "redact");
        if (r.found === 0) continue;
        if (cfg.action === "drop") return { drop: `pii_${kind}` };
        text = r.text;
        for (let i = 0; i < r.found; i++)
          changes.push(cfg.action === "redact" ? `redacted_${kind}` : `found_${kind}`);
      }
      return changes.length ? { text: cfg.action === "redact" ? text : undefined, changes } : {};
    },
  };
}
