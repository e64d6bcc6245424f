/**
 * Personal data: e-mail addresses (internationalised too), phone numbers (international and national forms, two-digit
 * groups included), IP addresses (v4 and v6), payment card numbers, IBANs and US social security numbers.
 * Matching is deliberately conservative where a false positive would destroy ordinary text: a dotted quad after
 * "version" or "v" is a version number, a digit run is a card number only when the Luhn checksum holds, an IBAN only
 * when its mod-97 check holds, a date is never a phone number, and an SSN needs its dashes and a valid area.
 */
import type { DataPrepareConfig } from "../config/data.js";
import type { Stage } from "./types.js";

type PiiConfig = DataPrepareConfig["pii"];
export type PiiKind = "email" | "iban" | "card_number" | "ssn" | "ip_address" | "phone";

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const PATTERNS: Record<PiiKind, RegExp> = {
  email: /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu,
  iban: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g,
  card_number: /(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
  ssn: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
  ip_address: new RegExp(
    String.raw`(?<![\w.])(?:${OCTET}\.){3}${OCTET}(?![\w]|\.\d)|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])`,
    "g",
  ),
  // International (+country code, then groups of 1-8 digits: "+49 30 12345678", "+33 1 42 68 53 00") or national
  // (an optional area code in brackets, then three to five groups of 2-4 digits: "(555) 123-4567", "01 42 68 53 00").
  phone:
    /(?<![\w+])(?:\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]\d{1,8}){1,6}|(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4})(?![\w])/g,
};
const PLACEHOLDER: Record<PiiKind, string> = {
  email: "<EMAIL>",
  iban: "<IBAN>",
  card_number: "<CARD_NUMBER>",
  ssn: "<SSN>",
  ip_address: "<IP_ADDRESS>",
  phone: "<PHONE>",
};
/** An ISO date (optionally with a time) is not a phone number, whatever its digit count. */
const DATE_START = /^(?:1[89]|20)\d\d[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])\b/;
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

/** ISO 13616: move the country code and check digits to the end, letters to numbers (A = 10), mod 97 must be 1. */
export function ibanValid(iban: string): boolean {
  const compact = iban.replace(/ /g, "");
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= "A" && ch <= "Z" ? ch.charCodeAt(0) - 55 : Number(ch);
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

function accept(kind: PiiKind, match: string, before: string): boolean {
  const digits = match.replace(/\D/g, "");
  if (kind === "card_number") return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
  if (kind === "iban") return ibanValid(match);
  if (kind === "phone")
    return (
      digits.length >= 9 &&
      digits.length <= 15 &&
      !DATE_START.test(match) &&
      // The SSN shape is an SSN or, when its area cannot be issued, an example of one; never a phone number.
      !/^\d{3}-\d{2}-\d{4}$/.test(match) &&
      // National numbers need a separator between groups, international ones their "+".
      (match.startsWith("+") || /\d[ .()-]+\d/.test(match)) &&
      !VERSION_BEFORE.test(before)
    );
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
  // IBANs before cards, and cards, SSNs and IPs before phones: each would otherwise also look like a phone number.
  const enabled: Record<PiiKind, boolean> = {
    email: cfg.email,
    iban: cfg.iban,
    card_number: cfg.cardNumber,
    ssn: cfg.ssn,
    ip_address: cfg.ipAddress,
    phone: cfg.phone,
  };
  const kinds = (["email", "iban", "card_number", "ssn", "ip_address", "phone"] as const).filter(
    (k) => enabled[k],
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
