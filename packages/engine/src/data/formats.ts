/**
 * The formats corpora ship in, streamed with bounded memory: gzip and zstd compression (by extension, for any
 * line-based or record-based source), Parquet read one row group at a time (the Hugging Face datasets layout),
 * MediaWiki XML dumps (one document per article, wikitext reduced to plain text), and Common Crawl WARC/WET records
 * (extracted text, or HTML responses reduced to text, with the record's URL kept).
 */
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { TextDecoder } from "node:util";
import { decodeXmlEntities, htmlToText, wikitextToText } from "./markup.js";

/** The file's bytes, decompressed when its name ends in .gz or .zst/.zstd. */
export async function* openBytes(file: string): AsyncGenerator<Buffer> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  // Multi-member gzip (how .warc.gz stores one member per record) decompresses as one stream.
  if (file.endsWith(".gz")) yield* raw.pipe(createGunzip()) as AsyncIterable<Buffer>;
  else if (file.endsWith(".zst") || file.endsWith(".zstd")) yield* zstdChunks(raw, file);
  else yield* raw as AsyncIterable<Buffer>;
}

/** Whether `file` is compressed, and so is read through openBytes rather than sniffed for binary content. */
export function isCompressed(file: string): boolean {
  return /\.(gz|zst|zstd)$/.test(file);
}

async function* zstdChunks(raw: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  const stream = new Decompress((data) => out.push(Buffer.from(data)));
  for await (const chunk of raw) {
    stream.push(chunk);
    yield* out;
    out = [];
  }
  try {
    stream.push(new Uint8Array(0), true);
  } catch (err) {
    throw new Error(`${file}: truncated zstd stream (${(err as Error).message})`, { cause: err });
  }
  yield* out;
}

export interface FormatRecord {
  text: string;
  /** 1-based position in the file: the row (Parquet), page (XML) or record (WARC). */
  index: number;
  url?: string;
}

/** Parquet rows, one row group in memory at a time; rows whose text column is not a string are reported. */
export async function* readParquet(
  file: string,
  textColumn: string,
  urlColumn: string,
  onBad: (row: number, reason: string) => void,
): AsyncGenerator<FormatRecord> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const names = new Set(metadata.schema.map((s) => s.name));
  if (!names.has(textColumn))
    throw new Error(`${file}: no column "${textColumn}" (columns: ${[...names].slice(1).join(", ")})`);
  const columns = names.has(urlColumn) ? [textColumn, urlColumn] : [textColumn];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, columns, rowStart, rowEnd });
    for (let i = 0; i < rows.length; i++) {
      const text = rows[i][textColumn];
      const url = rows[i][urlColumn];
      if (typeof text === "string")
        yield { text, index: rowStart + i + 1, ...(typeof url === "string" ? { url } : {}) };
      else onBad(rowStart + i + 1, `column "${textColumn}" is not a string`);
    }
    rowStart = rowEnd;
  }
}

/**
 * Articles of a MediaWiki XML dump: main-namespace pages that are not redirects, as plain text, with their URL
 * built from the dump's <base>. Pages stream line by line; only one page is held at a time.
 */
export async function* readWikipediaXml(lines: AsyncIterable<string>): AsyncGenerator<FormatRecord> {
  let base = "";
  let page: string[] | undefined;
  let index = 0;
  for await (const line of lines) {
    if (!base) {
      const m = /<base>(.*?)<\/base>/.exec(line);
      if (m) base = decodeXmlEntities(m[1]).replace(/[^/]*$/, "");
    }
    if (line.includes("<page>")) page = [];
    if (!page) continue;
    page.push(line);
    if (!line.includes("</page>")) continue;
    index++;
    const xml = page.join("\n");
    page = undefined;
    const ns = /<ns>(\d+)<\/ns>/.exec(xml)?.[1];
    if ((ns !== undefined && ns !== "0") || /<redirect\b/.test(xml)) continue;
    const title = decodeXmlEntities(/<title>([\s\S]*?)<\/title>/.exec(xml)?.[1] ?? "");
    const wikitext = decodeXmlEntities(/<text\b[^>]*>([\s\S]*?)<\/text>/.exec(xml)?.[1] ?? "");
    const text = wikitextToText(wikitext);
    if (!text) continue;
    yield { text, index, ...(base && title ? { url: base + title.replaceAll(" ", "_") } : {}) };
  }
}

/** Reads exact byte counts and delimited blocks from a stream of chunks, holding only what is not yet consumed. */
class ByteReader {
  private buf: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  private done = false;
  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.chunks.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, next.value]) : next.value;
    return true;
  }

  /** Bytes up to (not including) `delimiter`, which is consumed; undefined at the end of the stream. */
  async until(delimiter: string, limit: number): Promise<Buffer | undefined> {
    for (;;) {
      const at = this.buf.indexOf(delimiter);
      if (at >= 0) {
        const out = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + delimiter.length);
        return out;
      }
      if (this.buf.length > limit) throw new Error(`no "${JSON.stringify(delimiter)}" within ${limit} bytes`);
      if (!(await this.fill())) {
        if (this.buf.length && this.buf.toString("latin1").trim()) throw new Error("truncated record");
        return undefined;
      }
    }
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.buf.length < n)
      if (!(await this.fill())) throw new Error(`truncated record body (${n} bytes)`);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

const MAX_WARC_HEADER = 64 * 1024;

/**
 * WARC/WET records: "conversion" records (WET's extracted text) as they are, "response" records with an HTML or
 * plain-text HTTP body reduced to text; other record types (warcinfo, request, metadata) are skipped. Each record's
 * WARC-Target-URI is kept. A record body longer than `maxBytes` is skipped without decoding.
 */
export async function* readWarc(
  chunks: AsyncIterable<Buffer>,
  maxBytes: number,
  onBad: (record: number, reason: string) => void,
): AsyncGenerator<FormatRecord> {
  const reader = new ByteReader(chunks[Symbol.asyncIterator]());
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  for (let index = 1; ; index++) {
    let head = await reader.until("\r\n\r\n", MAX_WARC_HEADER);
    // Each record ends with a blank line pair, which reads as an empty header here.
    while (head !== undefined && head.length === 0) head = await reader.until("\r\n\r\n", MAX_WARC_HEADER);
    if (head === undefined) return;
    const lines = head.toString("utf8").replace(/^\s+/, "").split("\r\n");
    if (!lines[0].startsWith("WARC/"))
      throw new Error(`record ${index} does not start with a WARC version line`);
    const fields = new Map(
      lines.slice(1).map((l) => {
        const colon = l.indexOf(":");
        return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()] as const;
      }),
    );
    const length = Number(fields.get("content-length"));
    if (!Number.isInteger(length) || length < 0)
      throw new Error(`record ${index} has no valid Content-Length`);
    const body = await reader.bytes(length);
    const type = fields.get("warc-type");
    const url = fields.get("warc-target-uri");
    if (type !== "conversion" && type !== "response") continue;
    if (length > maxBytes) {
      onBad(index, `record of ${length} bytes is longer than ${maxBytes}`);
      continue;
    }
    let text: string;
    try {
      text = type === "conversion" ? utf8.decode(body) : httpBodyText(body, utf8);
    } catch {
      onBad(index, "invalid UTF-8");
      continue;
    }
    if (text.trim()) yield { text, index, ...(url ? { url } : {}) };
  }
}

/** The text of an HTTP response: HTML reduced to text, plain text as is, anything else empty. */
function httpBodyText(response: Buffer, utf8: TextDecoder): string {
  const split = response.indexOf("\r\n\r\n");
  const headers = response.subarray(0, Math.max(split, 0)).toString("latin1").toLowerCase();
  const body = utf8.decode(response.subarray(split < 0 ? response.length : split + 4));
  const type = /^content-type:\s*([^;\r\n]+)/m.exec(headers)?.[1].trim() ?? "";
  if (type === "text/html" || type === "application/xhtml+xml") return htmlToText(body);
  if (type === "text/plain") return body;
  return "";
}
