// Sign-in against a real database: lock-out per account and per address, and the same bcrypt work for unknown
// e-mails as for known ones.
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { authOptions, BCRYPT_COST } from "./auth";

let database: TestDatabase;
const PASSWORD = "correct horse battery";

type Authorize = (
  credentials: { email: string; password: string },
  request: { headers: Record<string, string> },
) => Promise<{ id: string } | null>;
const authorize = (authOptions.providers[0] as unknown as { options: { authorize: Authorize } }).options
  .authorize;
const attempt = (email: string, password: string, address: string) =>
  authorize({ email, password }, { headers: { "x-forwarded-for": address } }).then(
    (user) => (user ? "ok" : "wrong"),
    (error: Error) => error.message,
  );

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  const passwordHash = await bcrypt.hash(PASSWORD, BCRYPT_COST);
  await database.prisma.user.createMany({
    data: ["victim", "other", "timed"].map((name) => ({
      email: `${name}@test.local`,
      name,
      passwordHash,
    })),
  });
});
afterAll(() => database.drop());

describe("sign-in", () => {
  it("locks an account after 5 failures, even for the right password, from any address", async () => {
    for (let i = 0; i < 5; i++)
      expect(await attempt("victim@test.local", "guess", `10.1.0.${i}`)).toBe("wrong");
    expect(await attempt("victim@test.local", PASSWORD, "10.1.0.99")).toMatch(/^locked:(\d+)$/);
    expect(await attempt("other@test.local", PASSWORD, "10.1.0.99")).toBe("ok");
  });

  it("locks an address that tries many accounts", async () => {
    for (let i = 0; i < 20; i++)
      expect(await attempt(`nobody${i}@test.local`, "guess", "10.2.0.1")).toBe("wrong");
    expect(await attempt("other@test.local", PASSWORD, "10.2.0.1")).toMatch(/^locked:/);
    expect(await attempt("other@test.local", PASSWORD, "10.2.0.2")).toBe("ok");
  });

  it("spends as long on an unknown e-mail as on a known one", async () => {
    const median = async (email: string, address: string) => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        await attempt(email, "guess", address);
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[1];
    };
    const known = await median("timed@test.local", "10.3.0.1");
    const unknown = await median("unknown-person@test.local", "10.3.0.2");
    // Without the dummy hash an unknown e-mail answered in under a tenth of the time (25 ms against 284 ms).
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
  });
});
