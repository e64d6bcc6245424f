import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { testCallers } from "../test-callers";

let database: TestDatabase;
let callers: ReturnType<typeof testCallers>;

beforeAll(async () => {
  database = await createTestDatabase();
  callers = testCallers(database.prisma);
});
afterAll(() => database.drop());

describe("admin router", () => {
  it("is FORBIDDEN to annotators and reviewers", async () => {
    for (const role of ["ANNOTATOR", "REVIEWER"] as const) {
      const caller = (await callers.person(role)).api;
      for (const call of [() => caller.admin.users(), () => caller.admin.auditLog()]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TRPCError);
        expect((error as TRPCError).code).toBe("FORBIDDEN");
      }
    }
  });

  it("lists users to an admin, and applies a role change immediately", async () => {
    const admin = (await callers.person("ADMIN")).api;
    const users = await admin.admin.users();
    expect(users.map((u) => u.role).sort()).toEqual(["ADMIN", "ANNOTATOR", "REVIEWER"]);
    const me = users.find((u) => u.role === "ADMIN")!;
    await database.prisma.user.update({ where: { id: me.id }, data: { role: "ANNOTATOR" } });
    const error = await admin.admin.users().catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe("FORBIDDEN");
  });

  it("names the people in the audit log: the actor, and a person as target", async () => {
    const admin = await callers.person("ADMIN");
    const annotator = await callers.person("ANNOTATOR");
    await admin.api.datasets.setRole({ userId: annotator.user.id, role: "REVIEWER" });
    const [entry] = await admin.api.admin.auditLog();
    expect(entry).toMatchObject({
      action: "user.role",
      actor: { name: admin.user.name, email: admin.user.email },
      targetName: `${annotator.user.name} (${annotator.user.email})`,
    });
  });
});
