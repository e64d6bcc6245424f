// Settings admins edit in the app: the annotation policy (the environment variable wins) and the guidelines.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { testCallers } from "../test-callers";

let database: TestDatabase;
let people: ReturnType<typeof testCallers>;

beforeAll(async () => {
  delete process.env.ANNOTATION_POLICY;
  database = await createTestDatabase();
  people = testCallers(database.prisma);
});
afterAll(async () => {
  delete process.env.ANNOTATION_POLICY;
  await database.drop();
});

describe("annotation settings", () => {
  it("saves the policy in Postgres, audited, applies it at once, and lets the environment variable win", async () => {
    const admin = await people.person("ADMIN");
    const annotator = await people.person("ANNOTATOR");
    expect((await annotator.api.annotation.policy()).overlap).toBe(3);
    const refused = await annotator.api.datasets.savePolicy({ overlap: 5 }).catch((e: unknown) => e);
    expect((refused as TRPCError).code).toBe("FORBIDDEN");

    await admin.api.datasets.savePolicy({ overlap: 5, taskTtlMinutes: 30 });
    expect(await annotator.api.annotation.policy()).toMatchObject({
      overlap: 5,
      taskTtlMinutes: 30,
      maxOpenTasksPerUser: 5,
    });
    const audit = await database.prisma.auditLog.findFirstOrThrow({ where: { action: "settings.policy" } });
    expect(audit).toMatchObject({ actorId: admin.user.id, details: { from: null, to: { overlap: 5 } } });

    process.env.ANNOTATION_POLICY = JSON.stringify({ overlap: 2 });
    expect((await annotator.api.annotation.policy()).overlap).toBe(2);
    expect(await admin.api.datasets.policy()).toMatchObject({
      fromEnvironment: true,
      policy: { overlap: 2 },
    });
    const conflict = await admin.api.datasets.savePolicy({ overlap: 7 }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(TRPCError);
    expect((conflict as TRPCError).message).toMatch(/ANNOTATION_POLICY is set on the server and wins/);
    delete process.env.ANNOTATION_POLICY;
  });

  it("stores guidelines per task kind and Likert descriptions, shown to annotators", async () => {
    const admin = await people.person("ADMIN");
    const annotator = await people.person("ANNOTATOR");
    expect(await annotator.api.annotation.guidelines()).toEqual({ tasks: {}, likert: {} });
    const written = {
      tasks: { RANK: "## Ranking\nPrefer **correct** answers." },
      likert: { quality: ["useless", "poor", "fair", "good", "excellent"] },
    };
    await admin.api.datasets.saveGuidelines(written);
    expect(await annotator.api.annotation.guidelines()).toEqual(written);
    const tooFew = await admin.api.datasets
      .saveGuidelines({ tasks: {}, likert: { quality: ["only one"] } })
      .catch((e: unknown) => e);
    expect((tooFew as TRPCError).code).toBe("BAD_REQUEST");
  });
});
