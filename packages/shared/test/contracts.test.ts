import { describe, expect, it } from "vitest";
import { SftConfigSchema } from "@rlhf/engine/config";
import { runConfigSchemas, runHealthChecks, runSpecSchema, trainingJobSchema } from "../src";
import { queueBackendFromEnv } from "../src/queue";

describe("run contracts", () => {
  it("fills a spec's defaults from the engine's own schema and keeps the platform's paths out", () => {
    const spec = runSpecSchema.parse({ kind: "sft", snapshotId: "s1", baseModelVersionId: "v1" });
    expect(spec).toMatchObject({
      kind: "sft",
      backend: "engine",
      snapshotId: "s1",
      baseModelVersionId: "v1",
    });
    const engineDefaults = SftConfigSchema.parse({ baseCheckpoint: "b", data: { train: "t" } });
    expect(spec.config).toMatchObject({
      learningRate: engineDefaults.learningRate,
      epochs: engineDefaults.epochs,
    });
    expect(spec.config).not.toHaveProperty("baseCheckpoint");
    expect(spec.config).not.toHaveProperty("data");
  });

  it("names an unknown hyper-parameter and a missing input", () => {
    const typo = runSpecSchema.safeParse({
      kind: "dpo",
      snapshotId: "s1",
      baseModelVersionId: "v1",
      config: { betta: 0.2 },
    });
    expect(typo.error?.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["betta"] });
    const noRewardModel = runSpecSchema.safeParse({
      kind: "ppo",
      snapshotId: "s1",
      baseModelVersionId: "v1",
    });
    expect(noRewardModel.error?.issues[0].path).toEqual(["rewardModelVersionId"]);
  });

  it("takes the torch backend with its options, defaults filled", () => {
    const spec = runSpecSchema.parse({
      kind: "sft",
      snapshotId: "s1",
      baseModelVersionId: "v1",
      backend: "torch",
      backendOptions: { processes: 2 },
    });
    expect(spec).toMatchObject({
      backend: "torch",
      backendOptions: { processes: 2, precision: "fp32", strategy: "ddp" },
    });
    expect(
      runSpecSchema.safeParse({ kind: "sft", snapshotId: "s", baseModelVersionId: "v", backend: "jax" }).error
        ?.issues[0].path,
    ).toEqual(["backend"]);
  });

  it("stores a pretraining config that parses again unchanged (the model stays in its input form)", () => {
    const once = runConfigSchemas.pretrain.parse({ model: { width: 32, heads: 2 }, steps: 5 });
    expect(runConfigSchemas.pretrain.parse(once)).toEqual(once);
    expect(once.model).not.toHaveProperty("vocabSize");
  });

  it("accepts only known run kinds in a job payload", () => {
    expect(trainingJobSchema.safeParse({ runId: "r1", kind: "sft" }).success).toBe(true);
    expect(trainingJobSchema.safeParse({ runId: "r1", kind: "demo" }).error?.issues[0].path).toEqual([
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
