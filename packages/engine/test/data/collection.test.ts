import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DataPrepareConfigSchema } from "../../src/config/data.js";
import { readSource } from "../../src/data/sources.js";
import type { BadLine, Document } from "../../src/data/types.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/data/collection/", import.meta.url));
const PLAIN = join(FIXTURES, "docs.jsonl");
const TWIN = readFileSync(PLAIN, "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { text: string; url: string });
const dir = mkdtempSync(join(tmpdir(), "engine-collection-"));

async function collect(source: Record<string, unknown>) {
  const cfg = DataPrepareConfigSchema.parse({ output: "unused", sources: [{ name: "s", ...source }] });
  const docs: Document[] = [];
  const bad: BadLine[] = [];
  for await (const d of readSource(cfg.sources[0], { onBadLine: (b) => bad.push(b) })) docs.push(d);
  return { docs, bad, texts: docs.map((d) => ({ text: d.text, url: d.url })) };
}

const xmlEscape = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The twin's documents as wikitext with the markup a dump has, which must reduce back to the plain text. */
function wikipediaDump(): string {
  const page = (title: string, ns: number, text: string, redirect = false) =>
    `  <page>\n    <title>${xmlEscape(title)}</title>\n    <ns>${ns}</ns>\n${redirect ? `    <redirect title="X" />\n` : ""}    <revision>\n      <text bytes="1" xml:space="preserve">${xmlEscape(text)}</text>\n    </revision>\n  </page>`;
  const pages = TWIN.map(({ text }, i) => {
    const [first, ...rest] = text.split(" ");
    const wikitext = [
      "{{Infobox building\n| name = {{lang|en|Library}}\n| opened = 1905\n}}",
      `'''[[${first}|${first}]]''' ${rest.join(" ")}<ref name="a">{{cite web|url=https://x.example}}</ref>`,
      "[[Category:Libraries]]",
    ].join("\n");
    return page(`Article ${i}`, 0, wikitext);
  });
  return [
    `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" xml:lang="en">`,
    "  <siteinfo>\n    <base>https://en.wikipedia.org/wiki/Main_Page</base>\n  </siteinfo>",
    page("Talk:Article 0", 1, "A talk page, not an article."),
    ...pages.slice(0, 4),
    page("Old name", 0, "#REDIRECT [[Article 0]]", true),
    ...pages.slice(4),
    "</mediawiki>",
  ].join("\n");
}

function warcRecord(type: string, url: string | undefined, body: string): Buffer {
  const content = Buffer.from(body);
  const head = [
    "WARC/1.0",
    `WARC-Type: ${type}`,
    ...(url ? [`WARC-Target-URI: ${url}`] : []),
    "WARC-Date: 2024-05-01T00:00:00Z",
    `Content-Length: ${content.length}`,
  ].join("\r\n");
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), content, Buffer.from("\r\n\r\n")]);
}

const info = () => warcRecord("warcinfo", undefined, "software: test\r\n");

describe("collection from corpus formats", () => {
  it("reads gzip-compressed JSONL like its plain twin", async () => {
    const file = join(dir, "docs.jsonl.gz");
    writeFileSync(file, gzipSync(readFileSync(PLAIN)));
    expect((await collect({ type: "jsonl", path: file })).texts).toEqual(TWIN);
  });

  it("reads zstd-compressed JSONL like its plain twin", async () => {
    expect((await collect({ type: "jsonl", path: join(FIXTURES, "docs.jsonl.zst") })).texts).toEqual(TWIN);
  });

  it("reads Parquet row group by row group like its plain twin, with the text and URL columns configured", async () => {
    const { texts, docs } = await collect({ type: "parquet", path: join(FIXTURES, "docs.parquet") });
    expect(texts).toEqual(TWIN);
    expect(docs.map((d) => d.location.line)).toEqual(TWIN.map((_, i) => i + 1));
  });

  it("reads a Wikipedia XML dump (and its gzip) as articles in plain text, skipping talk pages and redirects", async () => {
    const file = join(dir, "wiki.xml");
    writeFileSync(file, wikipediaDump());
    writeFileSync(`${file}.gz`, gzipSync(wikipediaDump()));
    for (const path of [file, `${file}.gz`]) {
      const { docs } = await collect({ type: "wikipedia", path });
      expect(docs.map((d) => d.text)).toEqual(TWIN.map((t) => t.text));
      expect(docs[0].url).toBe("https://en.wikipedia.org/wiki/Article_0");
    }
  });

  it("reads WET conversion records (gzip, one member per record) with their URLs like the twin", async () => {
    const file = join(dir, "crawl.wet.gz");
    const records = [info(), ...TWIN.map((d) => warcRecord("conversion", d.url, d.text))];
    writeFileSync(file, Buffer.concat(records.map((r) => gzipSync(r))));
    expect((await collect({ type: "warc", path: file })).texts).toEqual(TWIN);
  });

  it("reads WARC HTML responses as text with their URLs like the twin, skipping requests", async () => {
    const html = (text: string) =>
      `<!doctype html><html><head><title>Page</title><script>var x = "<p>no</p>";</script><style>p {}</style></head>` +
      `<body><nav><a href="/">Home</a></nav><p>${xmlEscape(text).replaceAll("\n", "<br>")}</p></body></html>`;
    const response = (text: string) =>
      `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html(text)}`;
    const file = join(dir, "crawl.warc");
    writeFileSync(
      file,
      Buffer.concat([
        info(),
        ...TWIN.flatMap((d) => [
          warcRecord("request", d.url, "GET / HTTP/1.1\r\n\r\n"),
          warcRecord("response", d.url, response(d.text)),
        ]),
      ]),
    );
    const { texts } = await collect({ type: "warc", path: file });
    expect(texts).toEqual(TWIN.map((d) => ({ text: `Home\n\n${d.text}`, url: d.url })));
  });

  it("reports a corrupt compressed file and a corrupt Parquet file with their paths, and reads the rest", async () => {
    const folder = mkdtempSync(join(dir, "corrupt-"));
    const gz = gzipSync(readFileSync(PLAIN));
    writeFileSync(join(folder, "a-truncated.jsonl.gz"), gz.subarray(0, gz.length - 40));
    writeFileSync(join(folder, "b-good.jsonl.gz"), gz);
    const zst = readFileSync(join(FIXTURES, "docs.jsonl.zst"));
    writeFileSync(
      join(folder, "c-garbled.jsonl.zst"),
      Buffer.concat([zst.subarray(0, 20), Buffer.alloc(200, 7)]),
    );
    const gzipResult = await collect({ type: "jsonl", path: folder });
    expect(gzipResult.bad.map((b) => [b.file, b.line])).toEqual([
      [join(folder, "a-truncated.jsonl.gz"), 0],
      [join(folder, "c-garbled.jsonl.zst"), 0],
    ]);
    expect(gzipResult.bad[0].reason).toMatch(/^unreadable jsonl file: /);
    // Whatever the truncated file yielded before the damage, then every document of the good one.
    expect(gzipResult.texts.slice(-TWIN.length)).toEqual(TWIN);

    const parquet = mkdtempSync(join(dir, "parquet-"));
    const bytes = readFileSync(join(FIXTURES, "docs.parquet"));
    writeFileSync(join(parquet, "a-broken.parquet"), bytes.subarray(0, bytes.length - 100));
    copyFileSync(join(FIXTURES, "docs.parquet"), join(parquet, "b-good.parquet"));
    const parquetResult = await collect({ type: "parquet", path: parquet });
    expect(parquetResult.bad.map((b) => [b.file, b.line])).toEqual([[join(parquet, "a-broken.parquet"), 0]]);
    expect(parquetResult.texts).toEqual(TWIN);
  });

  it("keeps memory flat on a large compressed file", { timeout: 60_000 }, () => {
    const child = fileURLToPath(new URL("./memory-child.ts", import.meta.url));
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const run = (lines: number) => {
      const file = join(dir, `big-${lines}.jsonl.gz`);
      const line = `${JSON.stringify({ text: TWIN.map((d) => d.text).join(" ") })}\n`;
      writeFileSync(file, gzipSync(line.repeat(lines)));
      const out = execFileSync(process.execPath, ["--import", tsx, child, file, "jsonl", "read"], {
        encoding: "utf8",
      });
      return JSON.parse(out.trim().split("\n").pop()!) as { kept: number; peakMB: number };
    };
    const small = run(1000);
    const large = run(150_000); // about 100 MB of JSONL
    expect(large.kept).toBe(150_000);
    expect(Math.abs(large.peakMB - small.peakMB)).toBeLessThan(50);
  });
});
