/**
 * Run as a child process by cleaning.test.ts: streams one text source through every cleaning stage and prints the
 * documents kept, the bad lines and the process's peak resident memory (MB), so the parent can compare peaks.
 */
import { DataPrepareConfigSchema } from "../../src/config/data.js";
import { buildStages } from "../../src/data/clean.js";
import { readSource } from "../../src/data/sources.js";

const cfg = DataPrepareConfigSchema.parse({
  output: "unused",
  sources: [{ name: "s", type: "text", path: process.argv[2], split: "line" }],
});
const { stages } = buildStages(cfg);
let kept = 0;
const bad: string[] = [];
for await (const doc of readSource(cfg.sources[0], {
  onBadLine: (b) => bad.push(`${b.line}: ${b.reason}`),
})) {
  if (stages.every((s) => !s.apply(doc).drop)) kept++;
}
console.log(JSON.stringify({ kept, bad, peakMB: process.resourceUsage().maxRSS / 1024 }));
