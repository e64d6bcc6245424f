/**
 * Streaming sources: text files (a document per file, paragraph or line) and JSONL (text in a chosen field, URL in
 * another). Files are read in byte chunks and split on newlines, so a file of any size streams; each line is decoded
 * strictly, so invalid UTF-8 is reported with its file and line instead of turning silently into U+FFFD.
 * Before any decoding, a file whose first bytes look binary is skipped whole, and a line or document longer than the
 * source's byte limit is skipped as it streams (never held in memory), so one huge line cannot exhaust memory.
 */
import { closeSync, createReadStream, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { DataSourceConfig } from "../config/data.js";
import { isCompressed, openBytes, readParquet, readWarc, readWikipediaXml } from "./formats.js";
import type { BadLine, Document } from "./types.js";

export interface SourceEvents {
  onBadLine(bad: BadLine): void;
  onFile?(file: string, bytes: number): void;
  onEmptyFile?(file: string): void;
  /** A file skipped because its first bytes are not text (NUL bytes, or too many control characters). */
  onBinaryFile?(file: string): void;
  /** Bytes consumed, reported line by line, for progress within large files. */
  onBytes?(bytes: number): void;
}

/** Files of a source, recursively and in sorted order so runs are reproducible. */
export function listSourceFiles(cfg: DataSourceConfig): string[] {
  let st;
  try {
    st = statSync(cfg.path);
  } catch {
    throw new Error(`source "${cfg.name}": path ${cfg.path} does not exist`);
  }
  if (st.isFile()) return [cfg.path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (
        entry.isFile() &&
        (cfg.extensions.length === 0 || cfg.extensions.some((e) => entry.name.endsWith(e)))
      )
        out.push(p);
    }
  };
  walk(cfg.path);
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes sniffed at the start of a file to tell text from binary. */
const SNIFF_BYTES = 64 * 1024;
/** Share of control bytes (other than tab, newline, form feed, carriage return, escape) above which a file is binary. */
const MAX_CONTROL_SHARE = 0.05;
/** Share of NUL bytes above which a file is binary: executables are full of them, text has at most a stray one. */
const MAX_NUL_SHARE = 0.01;

/** More than 1% NUL bytes or 5% control bytes in the first 64 KiB (random binary data has 11% control bytes). */
export function looksBinary(bytes: Uint8Array): boolean {
  let control = 0;
  let nul = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0) nul++;
    if ((b < 32 && b !== 9 && b !== 10 && b !== 12 && b !== 13 && b !== 27) || b === 127) control++;
  }
  return (
    bytes.length > 0 && (nul / bytes.length > MAX_NUL_SHARE || control / bytes.length > MAX_CONTROL_SHARE)
  );
}

export function fileLooksBinary(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    return looksBinary(buf.subarray(0, readSync(fd, buf, 0, SNIFF_BYTES, 0)));
  } finally {
    closeSync(fd);
  }
}

export interface Line {
  bytes: Uint8Array;
  line: number;
  /** Set (to the line's length in bytes) when the line was longer than the limit: its bytes were skipped. */
  tooLong?: number;
}

const NO_BYTES = new Uint8Array(0);

/**
 * Lines of a file as raw bytes with 1-based numbers; a trailing "\r" is dropped (CRLF files). A line longer than
 * `maxLineBytes` is reported with `tooLong` and empty bytes; it is skipped chunk by chunk, so memory stays at one
 * chunk plus the limit whatever the line's length.
 */
export async function* readLines(file: string, maxLineBytes = Infinity): AsyncGenerator<Line> {
  yield* splitLines(isCompressed(file) ? openBytes(file) : plainChunks(file), maxLineBytes);
}

function plainChunks(file: string): AsyncIterable<Buffer> {
  return createReadStream(file, { highWaterMark: 1 << 20 });
}

async function* splitLines(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<Line> {
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  let skipped = 0;
  for await (const chunk of chunks) {
    let from = 0;
    if (skipped > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        skipped += chunk.length;
        continue;
      }
      yield { bytes: NO_BYTES, line: ++line, tooLong: skipped + nl };
      skipped = 0;
      from = nl + 1;
    }
    const rest = chunk.subarray(from);
    const buf = carry.length ? Buffer.concat([carry, rest]) : rest;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) >= 0) {
      const length = nl - start;
      if (length > maxLineBytes) yield { bytes: NO_BYTES, line: ++line, tooLong: length };
      else yield { bytes: trimCr(buf.subarray(start, nl)), line: ++line };
      start = nl + 1;
    }
    if (buf.length - start > maxLineBytes) {
      skipped = buf.length - start;
      carry = Buffer.alloc(0);
    } else {
      carry = Buffer.from(buf.subarray(start));
    }
  }
  if (skipped > 0) yield { bytes: NO_BYTES, line: line + 1, tooLong: skipped };
  else if (carry.length > 0) yield { bytes: trimCr(carry), line: line + 1 };
}

function trimCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b;
}

export async function* readSource(cfg: DataSourceConfig, events: SourceEvents): AsyncGenerator<Document> {
  for (const file of listSourceFiles(cfg)) {
    const size = statSync(file).size;
    events.onFile?.(file, size);
    if (size === 0) {
      events.onEmptyFile?.(file);
      continue;
    }
    // Compressed and Parquet files are binary by design; their content is checked by their own decoders.
    if (!isCompressed(file) && cfg.type !== "parquet" && fileLooksBinary(file)) {
      events.onBinaryFile?.(file);
      continue;
    }
    const name = statSync(cfg.path).isFile() ? file : relative(cfg.path, file);
    const doc = (text: string, line: number, url?: string): Document => ({
      id: `${cfg.name}/${name}:${line}`,
      source: cfg.name,
      text,
      location: { file, line },
      ...(url === undefined ? {} : { url }),
    });
    const bad = (line: number, reason: string) => events.onBadLine({ source: cfg.name, file, line, reason });
    try {
      yield* readFile(file, cfg, doc, bad, events.onBytes);
    } catch (err) {
      // A corrupt or truncated file is reported with its path (line 0: the file as a whole); the rest still runs.
      bad(0, `unreadable ${cfg.type} file: ${(err as Error).message}`);
    }
  }
}

async function* readFile(
  file: string,
  cfg: DataSourceConfig,
  doc: MakeDoc,
  bad: ReportBad,
  onBytes: ((n: number) => void) | undefined,
): AsyncGenerator<Document> {
  const lines = () => guardedLines(file, cfg.maxDocumentBytes, onBytes, bad);
  switch (cfg.type) {
    case "jsonl":
      yield* readJsonl(lines(), cfg, doc, bad);
      return;
    case "text":
      yield* readText(lines(), cfg, doc, bad);
      return;
    case "parquet":
      for await (const r of readParquet(file, cfg.field, cfg.urlField, bad))
        yield doc(r.text, r.index, r.url);
      return;
    case "wikipedia":
      for await (const r of readWikipediaXml(decoded(lines(), bad))) yield doc(r.text, r.index, r.url);
      return;
    case "warc":
      for await (const r of readWarc(openBytes(file), cfg.maxDocumentBytes, bad))
        yield doc(r.text, r.index, r.url);
  }
}

/** Lines as text; invalid UTF-8 is reported and skipped. */
async function* decoded(lines: Lines, bad: ReportBad): AsyncGenerator<string> {
  for await (const { bytes, line } of lines) {
    try {
      yield strictUtf8.decode(bytes);
    } catch {
      bad(line, "invalid UTF-8");
    }
  }
}

type Lines = AsyncGenerator<Line>;
type MakeDoc = (text: string, line: number, url?: string) => Document;
type ReportBad = (line: number, reason: string) => void;

/** Lines within the byte limit; longer ones are reported as bad lines and never decoded. */
async function* guardedLines(
  file: string,
  maxBytes: number,
  onBytes: ((n: number) => void) | undefined,
  bad: ReportBad,
): Lines {
  for await (const l of readLines(file, maxBytes)) {
    onBytes?.((l.tooLong ?? l.bytes.length) + 1);
    if (l.tooLong !== undefined) bad(l.line, `line of ${l.tooLong} bytes is longer than ${maxBytes}`);
    else yield l;
  }
}

async function* readJsonl(
  lines: Lines,
  cfg: DataSourceConfig,
  doc: MakeDoc,
  bad: ReportBad,
): AsyncGenerator<Document> {
  const field = cfg.field;
  for await (const { bytes, line } of lines) {
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      bad(line, "invalid UTF-8");
      continue;
    }
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      bad(line, `invalid JSON: ${(err as Error).message}`);
      continue;
    }
    const content =
      value !== null && typeof value === "object" ? (value as Record<string, unknown>)[field] : undefined;
    if (typeof content !== "string") {
      bad(line, `field "${field}" is missing or not a string`);
      continue;
    }
    const url = (value as Record<string, unknown>)[cfg.urlField];
    yield doc(content, line, typeof url === "string" ? url : undefined);
  }
}

async function* readText(
  lines: Lines,
  cfg: DataSourceConfig,
  doc: MakeDoc,
  bad: ReportBad,
): AsyncGenerator<Document> {
  const split = cfg.split;
  let pending: string[] = [];
  let pendingBytes = 0;
  /** The current document passed the byte limit: its remaining lines are skipped up to its end. */
  let overflow = false;
  let firstLine = 0;
  const flush = () => {
    const d = pending.length > 0 ? doc(pending.join("\n"), firstLine) : undefined;
    pending = [];
    pendingBytes = 0;
    overflow = false;
    return d;
  };
  for await (const { bytes, line } of lines) {
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      bad(line, "invalid UTF-8");
      continue;
    }
    if (split === "line") {
      if (text.trim()) yield doc(text, line);
      continue;
    }
    if (split === "paragraph" && text.trim() === "") {
      const d = flush();
      if (d) yield d;
      continue;
    }
    if (overflow) continue;
    if (pending.length === 0) firstLine = line;
    pending.push(text);
    pendingBytes += bytes.length + 1;
    // A paragraph or file document past the limit is dropped as a whole, like an overlong line.
    if (pendingBytes > cfg.maxDocumentBytes) {
      bad(firstLine, `document longer than ${cfg.maxDocumentBytes} bytes`);
      pending = [];
      overflow = true;
    }
  }
  const d = flush();
  if (d) yield d;
}
