import { describe, expect, it } from "vitest";
import { demoRunConfigSchema, runHealthChecks, trainingJobSchema } from "../src";
import { queueBackendFromEnv } from "../src/queue";

describe("run contracts", () => {
  it("fills the demo config's defaults and names an unknown field", () => {
    expect(demoRunConfigSchema.parse({})).toEqual({ steps: 20, stepMs: 150 });
    const result = demoRunConfigSchema.safeParse({ steps: 2, stpes: 3 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["stpes"] });
  });

  it("accepts only known run kinds in a job payload", () => {
    expect(trainingJobSchema.safeParse({ runId: "r1", kind: "demo" }).success).toBe(true);
    expect(trainingJobSchema.safeParse({ runId: "r1", kind: "sft-typo" }).error?.issues[0].path).toEqual([
      "kind",
    ]);
  });
});

describe("queueBackendFromEnv", () => {
  it("prefers the PostgreSQL backend when asked, else Redis, else explains how to install Redis", () => {
    expect(queueBackendFromEnv({ QUEUE_BACKEND: "postgres", DATABASE_URL: "postgresql://x/db" })).toEqual({
      kind: "postgres",
      databaseUrl: "postgresql://x/db",
    });
    expect(queueBackendFromEnv({ REDIS_URL: "redis://h:1" })).toEqual({
      kind: "redis",
      url: "redis://h:1",
      prefix: undefined,
    });
    expect(() => queueBackendFromEnv({})).toThrow(/apt-get install redis-server/);
    expect(() => queueBackendFromEnv({ QUEUE_BACKEND: "postgres" })).toThrow(/DATABASE_URL/);
  });
});

describe("runHealthChecks", () => {
  it("reports each check and is not ok when one fails", async () => {
    const report = await runHealthChecks({
      db: async () => {},
      queue: async () => {
        throw new Error("connection refused");
      },
    });
    expect(report).toEqual({ ok: false, checks: { db: "ok", queue: "connection refused" } });
  });
});
