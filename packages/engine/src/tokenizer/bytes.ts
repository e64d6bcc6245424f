/**
 * Byte-level helpers. GPT-2 stores each byte of a token as a printable character (bytes that are printable latin-1
 * map to themselves, the rest to U+0100 onwards) so vocabularies are valid JSON strings; tokenizer.json uses it too.
 */
const BYTE_TO_CHAR: string[] = [];
const CHAR_TO_BYTE = new Map<string, number>();
{
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const ch = String.fromCharCode(printable(b) ? b : next++);
    BYTE_TO_CHAR.push(ch);
    CHAR_TO_BYTE.set(ch, b);
  }
}

export function bytesToUnicode(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** Inverse of bytesToUnicode; undefined when a character is not one of the 256 byte characters. */
export function unicodeToBytes(token: string): Uint8Array | undefined {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

/**
 * UTF-8 encodes into `out` (reused to avoid allocating per word). A lone surrogate, which no UTF-8 text can hold,
 * becomes U+FFFD explicitly, the same choice TextEncoder and the Rust tokenizers make; every other string round-trips.
 */
export function utf8Encode(s: string, out: number[]): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const lo = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 0x3f);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
    }
    out[n++] = 0x80 | (c & 0x3f);
  }
  return n;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Invalid or truncated sequences (a token sequence cut mid-character) decode to U+FFFD rather than throwing. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Bytes as a string of char codes 0-255: a cheap, exact Map key for a byte sequence. */
export function latin1(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}
