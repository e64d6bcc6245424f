import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataConfig } from "../../src/cli/commands/data.js";

describe("data prepare config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "engine-cfg-"));
  const write = (cfg: unknown) => {
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify(cfg));
    return file;
  };

  it("resolves paths relative to the config file and fills every default", () => {
    const cfg = loadDataConfig(
      write({
        output: "out",
        sources: [{ name: "a", type: "text", path: "raw" }],
        tokenizer: "tok/tokenizer.json",
      }),
    );
    expect(cfg.output).toBe(join(dir, "out"));
    expect(cfg.sources[0].path).toBe(join(dir, "raw"));
    expect(cfg.tokenizer).toBe(join(dir, "tok", "tokenizer.json"));
    expect(cfg.dedup.near.threshold).toBe(0.7);
    expect(cfg.pack.sequenceLength).toBe(1024);
  });

  it("names unknown fields and bad values with their path", () => {
    expect(() =>
      loadDataConfig(write({ output: "o", sources: [{ name: "a", type: "text", path: "p", fild: "x" }] })),
    ).toThrow(/sources\.0: Unrecognized key: "fild"/);
    expect(() =>
      loadDataConfig(write({ output: "o", sources: [{ name: "a b", type: "csv", path: "p" }] })),
    ).toThrow(/sources\.0\.name: .*sources\.0\.type/);
    expect(() =>
      loadDataConfig(
        write({
          output: "o",
          sources: [{ name: "a", type: "text", path: "p" }],
          dedup: { near: { bands: 7 } },
        }),
      ),
    ).toThrow(/multiple of dedup\.near\.bands/);
  });
});
