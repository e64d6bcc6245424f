import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataSourceConfigSchema } from "../../src/config/data.js";
import { readLines, readSource } from "../../src/data/sources.js";
import type { BadLine, Document } from "../../src/data/types.js";

async function collect(cfg: Record<string, unknown>) {
  const docs: Document[] = [];
  const bad: BadLine[] = [];
  for await (const d of readSource(DataSourceConfigSchema.parse(cfg), { onBadLine: (b) => bad.push(b) }))
    docs.push(d);
  return { docs, bad };
}

describe("sources", () => {
  const dir = mkdtempSync(join(tmpdir(), "engine-src-"));
  const file = join(dir, "a.txt");
  writeFileSync(file, "first para\r\nstill first\r\n\r\nsecond para\n\n\nthird");

  it("splits text files by file, paragraph and line, keeping the first line number of each document", async () => {
    const base = { name: "s", type: "text", path: file };
    expect((await collect({ ...base, split: "file" })).docs.map((d) => d.text)).toEqual([
      "first para\nstill first\n\nsecond para\n\n\nthird",
    ]);
    const paragraphs = (await collect({ ...base, split: "paragraph" })).docs;
    expect(paragraphs.map((d) => [d.text, d.location.line])).toEqual([
      ["first para\nstill first", 1],
      ["second para", 4],
      ["third", 7],
    ]);
    expect(paragraphs[1].id).toBe(`s/${file}:4`);
    expect((await collect({ ...base, split: "line" })).docs).toHaveLength(4);
  });

  it("reads lines across chunk boundaries of a large file", async () => {
    const big = join(dir, "big.txt");
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${"é".repeat(i % 50)}`);
    writeFileSync(big, lines.join("\n"));
    const seen: string[] = [];
    for await (const { bytes } of readLines(big)) seen.push(Buffer.from(bytes).toString("utf8"));
    expect(seen).toEqual(lines);
  });

  it("reports invalid UTF-8 in a text file with its line and keeps the other lines", async () => {
    const f = join(dir, "bad.txt");
    writeFileSync(
      f,
      Buffer.concat([
        Buffer.from("good one\n"),
        Buffer.from([0x66, 0xe2, 0x82]),
        Buffer.from("\ngood two\n"),
      ]),
    );
    const { docs, bad } = await collect({ name: "s", type: "text", path: f, split: "line" });
    expect(docs.map((d) => d.text)).toEqual(["good one", "good two"]);
    expect(bad).toEqual([{ source: "s", file: f, line: 2, reason: "invalid UTF-8" }]);
  });

  it("names a missing path", async () => {
    await expect(collect({ name: "s", type: "text", path: join(dir, "nope") })).rejects.toThrow(
      /source "s": path .*nope does not exist/,
    );
  });
});
