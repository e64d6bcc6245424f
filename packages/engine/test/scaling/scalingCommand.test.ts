import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerScalingCommands } from "../../src/cli/commands/scaling.js";
import { predictLoss } from "../../src/scaling/chinchilla.js";

const dir = mkdtempSync(join(tmpdir(), "scaling-cli-"));
const truth = { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 };

async function run(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
  const program = new Command().exitOverride();
  registerScalingCommands(program);
  await program.parseAsync(["scaling", "fit", ...args], { from: "user" });
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe("engine scaling fit", () => {
  it("fits the runs of a file and sizes the given budgets", async () => {
    const runs = [];
    for (const params of [1e6, 1e7, 1e8])
      for (const tokens of [1e8, 1e9, 1e10])
        runs.push({ params, tokens, loss: predictLoss(truth, params, tokens) });
    const path = join(dir, "runs.json");
    writeFileSync(path, JSON.stringify(runs));
    const [json] = await run(["--runs", path, "--compute", "1e20,1e21", "--json"]);
    const out = JSON.parse(json);
    expect(out.fit.alpha).toBeCloseTo(0.34, 4);
    expect(out.optimal.map((o: { flops: number }) => o.flops)).toEqual([1e20, 1e21]);
    const text = await run(["--runs", path]);
    expect(text[0]).toMatch(/^L\(N, D\) = 1\.690 \+ 406\.4 \/ N\^0\.3400 \+ 410\.7 \/ D\^0\.2800$/);
  });

  it("names the bad field of a runs file", async () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify([{ params: 1, tokns: 2, loss: 3 }]));
    await expect(run(["--runs", path])).rejects.toThrow(/0.tokens: .*Unrecognized key: "tokns"/);
  });
});
