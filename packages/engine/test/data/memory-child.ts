/**
 * Run as a child process by the data tests: streams one source and prints the documents kept, the bad lines and the
 * process's peak resident memory (MB), so the parent can compare peaks between inputs.
 * Arguments: <path> <source type> <"clean" to run every cleaning stage | "read" to only read>.
 */
import { DataPrepareConfigSchema } from "../../src/config/data.js";
import { buildStages } from "../../src/data/clean.js";
import { readSource } from "../../src/data/sources.js";

const [path, type, mode] = process.argv.slice(2);
const cfg = DataPrepareConfigSchema.parse({
  output: "unused",
  sources: [{ name: "s", type, path, split: "line" }],
});
const { stages } = buildStages(cfg);
let kept = 0;
const bad: string[] = [];
for await (const doc of readSource(cfg.sources[0], {
  onBadLine: (b) => bad.push(`${b.line}: ${b.reason}`),
})) {
  if (mode === "read" || stages.every((s) => !s.apply(doc).drop)) kept++;
}
console.log(JSON.stringify({ kept, bad, peakMB: process.resourceUsage().maxRSS / 1024 }));
