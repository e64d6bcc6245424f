import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTrainingQueue } from "@rlhf/shared/queue";
import { findRedisServer, freePort, startRedisServer } from "../src/services";

const dir = mkdtempSync(join(tmpdir(), "redis-persistence-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function jobSurvivesRestart(persistent: boolean): Promise<boolean> {
  const options = { binary: findRedisServer()!, port: await freePort(), dir: join(dir, String(persistent)) };
  const first = await startRedisServer({ ...options, persistent });
  const queue = createTrainingQueue({ kind: "redis", url: first.url }, "background");
  try {
    await queue.add("sft", { runId: "run-1", kind: "sft" }, { jobId: "run-1" });
    await first.stop();
    const second = await startRedisServer({ ...options, persistent });
    try {
      return (await queue.getJob("run-1")) !== undefined;
    } finally {
      await queue.close();
      await second.stop();
    }
  } finally {
    await first.stop();
  }
}

describe("startRedisServer", () => {
  it("keeps queued jobs across a restart when persistent", async () => {
    expect(await jobSurvivesRestart(true)).toBe(true);
  });

  it("writes nothing when not persistent", async () => {
    expect(await jobSurvivesRestart(false)).toBe(false);
  });
});
