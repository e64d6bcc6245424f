import { TRPCError } from "@trpc/server";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { testCallers } from "../test-callers";

let database: TestDatabase;
let people: ReturnType<typeof testCallers>;

beforeAll(async () => {
  database = await createTestDatabase();
  people = testCallers(database.prisma);
});
afterAll(() => database.drop());

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => "OK",
    (error: unknown) => (error instanceof TRPCError ? error.code : String(error)),
  );
const tokenOf = (path: string) => path.replace("/invite/", "");

describe("account router", () => {
  it("lets only admins invite, and an invitation creates one account once", async () => {
    const annotator = await people.person("ANNOTATOR");
    expect(await codeOf(annotator.api.account.createInvite({ email: "x@test.local", role: "ADMIN" }))).toBe(
      "FORBIDDEN",
    );
    const admin = await people.person("ADMIN");
    const invite = await admin.api.account.createInvite({ email: "New.Person@Test.local", role: "REVIEWER" });
    const token = tokenOf(invite.path);
    const anonymous = people.anonymous();
    expect(await anonymous.account.invite({ token })).toMatchObject({
      email: "new.person@test.local",
      role: "REVIEWER",
    });

    const accept = () =>
      anonymous.account.acceptInvite({ token, name: "New Person", password: "long enough pw" });
    const results = await Promise.all([accept(), accept()].map(codeOf));
    expect(results.sort()).toEqual(["NOT_FOUND", "OK"]);
    const user = await database.prisma.user.findUniqueOrThrow({ where: { email: "new.person@test.local" } });
    expect(user).toMatchObject({ name: "New Person", role: "REVIEWER" });
    expect(await bcrypt.compare("long enough pw", user.passwordHash)).toBe(true);
    expect(await codeOf(anonymous.account.invite({ token }))).toBe("NOT_FOUND");
    const actions = await database.prisma.auditLog.findMany({ where: { action: { startsWith: "user." } } });
    expect(actions.map((a) => a.action).sort()).toEqual(["user.invite", "user.join"]);
  });

  it("refuses an unknown token and an address that already has an account", async () => {
    const admin = await people.person("ADMIN");
    expect(await codeOf(admin.api.account.createInvite({ email: admin.user.email, role: "ANNOTATOR" }))).toBe(
      "CONFLICT",
    );
    expect(
      await codeOf(
        people
          .anonymous()
          .account.acceptInvite({ token: "x".repeat(32), name: "A", password: "long enough pw" }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("changes a password only with the current one, and ends the person's sessions", async () => {
    const { user, api } = await people.person("ANNOTATOR");
    await database.prisma.user.update({
      where: { id: user.id },
      data: { passwordHash: await bcrypt.hash("old password!", 4) },
    });
    expect(
      await codeOf(api.account.changePassword({ currentPassword: "wrong", newPassword: "new password!" })),
    ).toBe("BAD_REQUEST");
    expect(
      await codeOf(api.account.changePassword({ currentPassword: "old password!", newPassword: "short" })),
    ).toBe("BAD_REQUEST");
    await api.account.changePassword({ currentPassword: "old password!", newPassword: "new password!" });
    const after = await database.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.sessionVersion).toBe(user.sessionVersion + 1);
    expect(await bcrypt.compare("new password!", after.passwordHash)).toBe(true);
  });
});
