import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataPrepareConfigSchema } from "../../src/config/data.js";
import { classifierHook, readLabelledFile, trainTextClassifier } from "../../src/data/classifier.js";
import { harmfulStage } from "../../src/data/harmful.js";
import { languageStage } from "../../src/data/langid.js";
import { ibanValid, piiStage } from "../../src/data/pii.js";
import { readSource } from "../../src/data/sources.js";
import type { BadLine, Document } from "../../src/data/types.js";
import { urlStage } from "../../src/data/url.js";
import { Rng } from "../../src/util/rng.js";

const cfg = DataPrepareConfigSchema.parse({
  output: "unused",
  sources: [{ name: "s", type: "text", path: "unused" }],
});
const doc = (text: string, url?: string): Document => ({
  id: "t",
  source: "s",
  text,
  location: { file: "f", line: 1 },
  ...(url ? { url } : {}),
});
const dir = mkdtempSync(join(tmpdir(), "engine-cleaning-"));

describe("binary files", () => {
  it("skips a binary file renamed .txt before decoding, counts it, and reads the text files next to it", async () => {
    const folder = mkdtempSync(join(dir, "bin-"));
    // An executable's shape: a header with NUL bytes, then readable strings among binary data.
    const binary = Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0]),
      ...Array.from({ length: 50 }, (_, i) =>
        Buffer.concat([Buffer.from(`usage: tool --option-${i} <file>\n`), Buffer.alloc(16, i)]),
      ),
    ]);
    writeFileSync(join(folder, "program.txt"), binary);
    writeFileSync(join(folder, "notes.txt"), "A plain note about the library.");
    const binaries: string[] = [];
    const texts: string[] = [];
    const source = DataSourceConfig(folder);
    for await (const d of readSource(source, { onBadLine: () => {}, onBinaryFile: (f) => binaries.push(f) }))
      texts.push(d.text);
    expect(binaries).toEqual([join(folder, "program.txt")]);
    expect(texts).toEqual(["A plain note about the library."]);
  });
});

function DataSourceConfig(path: string) {
  return DataPrepareConfigSchema.parse({ output: "unused", sources: [{ name: "s", type: "text", path }] })
    .sources[0];
}

/** A file of `before`, then one line of `mb` megabytes, then `after`, written a megabyte at a time. */
function writeLongLine(path: string, mb: number): void {
  const fd = openSync(path, "w");
  writeSync(fd, "A first ordinary line of text.\n");
  const chunk = Buffer.alloc(1 << 20, "word ");
  for (let i = 0; i < mb; i++) writeSync(fd, chunk);
  writeSync(fd, "\nA last ordinary line of text.\n");
  closeSync(fd);
}

describe("long lines", () => {
  it(
    "skips a 200 MB line as it streams: peak memory within 50 MB of a 1 MB line's",
    { timeout: 60_000 },
    () => {
      const child = fileURLToPath(new URL("./memory-child.ts", import.meta.url));
      const tsx = createRequire(import.meta.url).resolve("tsx");
      const run = (mb: number) => {
        const file = join(dir, `line-${mb}.txt`);
        writeLongLine(file, mb);
        const out = execFileSync(process.execPath, ["--import", tsx, child, file, "text", "clean"], {
          encoding: "utf8",
        });
        return JSON.parse(out.trim().split("\n").pop()!) as { kept: number; bad: string[]; peakMB: number };
      };
      const small = run(1);
      const large = run(200);
      expect(small.bad).toEqual([]);
      expect(large.bad).toEqual([`2: line of ${200 * 2 ** 20} bytes is longer than 4000000`]);
      // The lines around the long one still arrive (the 1 MB line itself fails the quality filters: one word repeated).
      expect(large.kept).toBe(small.kept);
      expect(large.kept).toBeGreaterThanOrEqual(0);
      expect(Math.abs(large.peakMB - small.peakMB)).toBeLessThan(50);
    },
  );
});

describe("personal data", () => {
  const pii = piiStage(cfg.pii);
  it.each([
    ["phone", "Ruf an: +49 30 12345678 bitte.", "Ruf an: <PHONE> bitte."],
    ["phone", "Appelez le +33 1 42 68 53 00 demain.", "Appelez le <PHONE> demain."],
    ["phone", "Appelez le 01 42 68 53 00 demain.", "Appelez le <PHONE> demain."],
    ["email", "Schreib an josé.müller@exämple.de heute.", "Schreib an <EMAIL> heute."],
    ["email", "联系 用户@例子.广告 谢谢", "联系 <EMAIL> 谢谢"],
    ["iban", "Pay to DE89 3704 0044 0532 0130 00 today.", "Pay to <IBAN> today."],
    ["iban", "Pay to GB82WEST12345698765432 today.", "Pay to <IBAN> today."],
    ["ssn", "Her SSN is 123-45-6789 on file.", "Her SSN is <SSN> on file."],
  ])("redacts %s: %s", (kind, text, redacted) => {
    expect(pii.apply(doc(text))).toEqual({ text: redacted, changes: [`redacted_${kind}`] });
  });
  it("leaves the traps alone: versions, dates, ISBNs, IP-like versions, bad checksums and unissued SSNs", () => {
    const traps = [
      "Linux version 2.6.32.1 and v1.2.3.4 shipped on 2024-01-15 10:30:00, then 2024 01 15 again.",
      "Release 10.12.14.2019 on 12.05.2024; ISBN 978-3-16-148410-0 and 0-306-40615-2; pages 12-34.",
      "Account DE89 3704 0044 0532 0130 01 fails its check; SSN-like 000-12-3456, 666-12-3456 and 912-34-5678.",
    ].join(" ");
    expect(pii.apply(doc(traps))).toEqual({});
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("DE89370400440532013001")).toBe(false);
  });
});

describe("harmful content", () => {
  it('does not take the placeholder "xxx" for sexual content', () => {
    const h = harmfulStage(cfg.harmful);
    expect(h.apply(doc("Replace xxx with your API key and run the script again."))).toEqual({});
    expect(h.apply(doc("Watch free xxx videos here.")).drop).toBe("harmful_sexual");
  });

  it("trains a classifier on a labelled file that catches toxic text with no listed word", () => {
    const rng = new Rng(4);
    const insults = ["worthless", "pathetic", "disgusting", "brainless", "useless", "revolting", "stupid"];
    const targets = ["clown", "loser", "idiot", "fool", "coward", "creep"];
    const topics = ["garden", "recipe", "train", "library", "weather", "concert", "museum", "bicycle"];
    const pick = (xs: string[]) => xs[rng.int(xs.length)];
    const toxic = () =>
      `you ${pick(insults)} ${pick(targets)}, nobody wants a ${pick(insults)} ${pick(targets)} like you`;
    const ok = () =>
      `the ${pick(topics)} was lovely today and we talked about the ${pick(topics)} for an hour`;
    const file = join(dir, "labelled.jsonl");
    const lines = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify(i % 2 ? { text: toxic(), label: "toxic" } : { text: ok(), label: "ok" }),
    );
    writeFileSync(file, lines.join("\n") + "\n");
    const model = trainTextClassifier(readLabelledFile(file));
    const stage = harmfulStage({ ...cfg.harmful, categories: [] }, classifierHook(model, 0.5));
    const heldOutToxic = Array.from({ length: 5 }, toxic);
    expect(heldOutToxic.map((t) => stage.apply(doc(t)).drop)).toEqual(Array(5).fill("harmful_toxic"));
    expect(Array.from({ length: 5 }, () => stage.apply(doc(ok())))).toEqual(Array(5).fill({}));
    // The same examples always give the same model.
    expect(JSON.stringify(trainTextClassifier(readLabelledFile(file)))).toBe(JSON.stringify(model));
    expect(readFileSync(file, "utf8").split("\n")[0]).toContain('"label"');
  });
});

describe("URLs", () => {
  it("drops blocklisted domains and their subdomains, and counts every domain", () => {
    const seen: string[] = [];
    const stage = urlStage({ ...cfg.url, blocklist: ["spam.example"] }, (_s, d) => seen.push(d));
    expect(stage.apply(doc("text", "https://spam.example/page"))).toEqual({ drop: "url_blocklist" });
    expect(stage.apply(doc("text", "http://www.cdn.spam.example/x"))).toEqual({ drop: "url_blocklist" });
    expect(stage.apply(doc("text", "https://notspam.example/page"))).toEqual({});
    expect(stage.apply(doc("text"))).toEqual({});
    expect(seen).toEqual(["spam.example", "cdn.spam.example", "notspam.example"]);
  });

  it("reads the URL of JSONL documents from the configured field", async () => {
    const file = join(dir, "web.jsonl");
    writeFileSync(file, `${JSON.stringify({ content: "A page.", link: "https://a.example/1" })}\n`);
    const bad: BadLine[] = [];
    const source = DataPrepareConfigSchema.parse({
      output: "unused",
      sources: [{ name: "web", type: "jsonl", path: file, field: "content", urlField: "link" }],
    }).sources[0];
    const docs: Document[] = [];
    for await (const d of readSource(source, { onBadLine: (b) => bad.push(b) })) docs.push(d);
    expect(docs.map((d) => [d.text, d.url])).toEqual([["A page.", "https://a.example/1"]]);
  });
});

describe("language identification", () => {
  it("reports each detection's score and drops allowed-language documents below the confidence threshold", () => {
    const scores: [string, number][] = [];
    const stage = languageStage(
      { ...cfg.language, allowed: ["en"], minConfidence: 0.15, minChars: 5 },
      (_s, l, s) => scores.push([l, s]),
    );
    expect(
      stage.apply(doc("The train to the airport leaves every twenty minutes from platform four.")),
    ).toEqual({});
    expect(stage.apply(doc("ok then ok"))).toEqual({ drop: "language_low_confidence" });
    expect(scores[0][0]).toBe("en");
    expect(scores[0][1]).toBeGreaterThan(0.15);
    expect(scores[1][1]).toBeLessThan(0.15);
  });
});
