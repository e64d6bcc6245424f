/**
 * Word splitting shared by the filters and the near-duplicate index. Scripts written without spaces (Han, kana)
 * count one character as one word, so length and repetition limits mean the same thing across languages.
 */
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{M}]+)*/gu;
const SPACELESS = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u;
/** Han and kana live above U+2E80: a cheap test that skips the script check for most words. */
const MAY_BE_SPACELESS = /[\u2e80-\uffff\ud800-\udfff]/;

export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) {
    const w = m[0];
    if (!MAY_BE_SPACELESS.test(w) || !SPACELESS.test(w)) {
      out.push(w);
      continue;
    }
    let run = "";
    for (const ch of w) {
      if (SPACELESS.test(ch)) {
        if (run) out.push(run);
        out.push(ch);
        run = "";
      } else run += ch;
    }
    if (run) out.push(run);
  }
  return out;
}

/** FNV-1a over UTF-16 code units: a fast 32-bit hash for words and shingles (not for anything adversarial). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
