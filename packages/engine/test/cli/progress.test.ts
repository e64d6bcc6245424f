import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/cli/progress.js";

function collector() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe("createProgress without a terminal", () => {
  it("prints plain lines: the first, one per interval, and the last, never a carriage return", () => {
    const { lines, stream } = collector();
    const progress = createProgress("pretrain", 100, { stream, interactive: false, intervalMs: 60_000 });
    for (let step = 1; step <= 100; step++) progress.update(step, { loss: 5 - step / 100 });
    progress.stop();
    expect(lines).toEqual(["pretrain 1/100 loss=4.990\n", "pretrain 100/100 loss=4\n"]);
  });

  it("writes the latest state on stop when the run ends early (cancelled or early-stopped)", () => {
    const { lines, stream } = collector();
    const progress = createProgress("sft", 10, { stream, interactive: false, intervalMs: 60_000 });
    for (let step = 1; step <= 4; step++) progress.update(step);
    progress.stop();
    expect(lines).toEqual(["sft 1/10\n", "sft 4/10\n"]);
    expect(lines.join("")).not.toContain("\r");
  });

  it.skipIf(process.stdout.isTTY)(
    "is plain by default when stdout is not a terminal, even on a terminal stream",
    () => {
      const { lines, stream } = collector();
      Object.assign(stream, { isTTY: true });
      createProgress("x", 2, { stream }).update(2);
      expect(lines).toEqual(["x 2/2\n"]);
    },
  );
});
