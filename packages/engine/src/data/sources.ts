/**
 * Streaming sources: text files (a document per file, paragraph or line) and JSONL (text in a chosen field).
 * Files are read in byte chunks and split on newlines, so a file of any size streams; each line is decoded strictly,
 * so invalid UTF-8 is reported with its file and line instead of turning silently into U+FFFD.
 */
import { createReadStream, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { DataSourceConfig } from "../config/data.js";
import type { BadLine, Document } from "./types.js";

export interface SourceEvents {
  onBadLine(bad: BadLine): void;
  onFile?(file: string, bytes: number): void;
  onEmptyFile?(file: string): void;
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

/** Lines of a file as raw bytes with 1-based numbers; a trailing "\r" is dropped (CRLF files). */
export async function* readLines(file: string): AsyncGenerator<{ bytes: Uint8Array; line: number }> {
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) >= 0) {
      yield { bytes: trimCr(buf.subarray(start, nl)), line: ++line };
      start = nl + 1;
    }
    carry = Buffer.from(buf.subarray(start));
  }
  if (carry.length > 0) yield { bytes: trimCr(carry), line: line + 1 };
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
    const name = statSync(cfg.path).isFile() ? file : relative(cfg.path, file);
    const doc = (text: string, line: number): Document => ({
      id: `${cfg.name}/${name}:${line}`,
      source: cfg.name,
      text,
      location: { file, line },
    });
    const bad = (line: number, reason: string) => events.onBadLine({ source: cfg.name, file, line, reason });
    const lines = countedLines(file, events.onBytes);
    if (cfg.type === "jsonl") yield* readJsonl(lines, cfg.field, doc, bad);
    else yield* readText(lines, cfg.split, doc, bad);
  }
}

type Lines = AsyncGenerator<{ bytes: Uint8Array; line: number }>;
type MakeDoc = (text: string, line: number) => Document;
type ReportBad = (line: number, reason: string) => void;

async function* countedLines(file: string, onBytes: ((n: number) => void) | undefined): Lines {
  for await (const l of readLines(file)) {
    onBytes?.(l.bytes.length + 1);
    yield l;
  }
}

async function* readJsonl(
  lines: Lines,
  field: string,
  doc: MakeDoc,
  bad: ReportBad,
): AsyncGenerator<Document> {
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
    yield doc(content, line);
  }
}

async function* readText(
  lines: Lines,
  split: DataSourceConfig["split"],
  doc: MakeDoc,
  bad: ReportBad,
): AsyncGenerator<Document> {
  let pending: string[] = [];
  let firstLine = 0;
  const flush = () => {
    const d = pending.length > 0 ? doc(pending.join("\n"), firstLine) : undefined;
    pending = [];
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
    if (pending.length === 0) firstLine = line;
    pending.push(text);
  }
  const d = flush();
  if (d) yield d;
}
