/**
 * Characters PostgreSQL cannot store in text (NUL) or that are not Unicode at all (a lone UTF-16 surrogate, which
 * has no UTF-8 form). Found anywhere in an input (keys included), they are the caller's mistake: a 400 naming the
 * field, never a database error.
 */
export interface BadCharacter {
  /** Dotted path to the string, e.g. `messages.0.content`; empty for a bare string. */
  path: string;
  message: string;
}

// A high half not followed by a low half, or a low half not preceded by a high one (code units: no `u` flag).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function describeString(text: string): string | null {
  const nul = text.indexOf("\u0000");
  if (nul >= 0) return `contains a NUL character (U+0000) at position ${nul}, which cannot be stored`;
  const lone = text.search(LONE_SURROGATE);
  if (lone >= 0) return `contains a lone UTF-16 surrogate (not a Unicode character) at position ${lone}`;
  return null;
}

/** The first string in `value` (walked depth-first, keys and values) that cannot be stored, or null. */
export function findBadCharacter(value: unknown, path: string[] = []): BadCharacter | null {
  const at = (message: string) => ({ path: path.join("."), message });
  if (typeof value === "string") {
    const message = describeString(value);
    return message ? at(message) : null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const bad = findBadCharacter(item, [...path, String(index)]);
      if (bad) return bad;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const keyMessage = describeString(key);
      if (keyMessage) return { path: [...path, key].join("."), message: `its name ${keyMessage}` };
      const bad = findBadCharacter(item, [...path, key]);
      if (bad) return bad;
    }
  }
  return null;
}

export const describeBadCharacter = (bad: BadCharacter) =>
  bad.path === "" ? bad.message : `${bad.path}: ${bad.message}`;

/** `text` made storable for messages that quote input (a JSON parse error's excerpt): NUL escaped, halves replaced. */
export const storableText = (text: string) =>
  text.replaceAll("\u0000", "\\u0000").replace(LONE_SURROGATE, "\uFFFD");
