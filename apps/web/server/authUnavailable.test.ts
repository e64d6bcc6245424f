// With the database down, sign-in says so instead of "wrong password" (a process of its own: db() is cached).
import { describe, expect, it } from "vitest";
import { freePort } from "@rlhf/db/services";
import { authOptions, SIGN_IN_ERRORS } from "./auth";

type Authorize = (credentials: { email: string; password: string }, request: object) => Promise<unknown>;
const authorize = (authOptions.providers[0] as unknown as { options: { authorize: Authorize } }).options
  .authorize;

describe("sign-in with the database down", () => {
  it("throws 'service unavailable', which the form shows as such", async () => {
    process.env.DATABASE_URL = `postgresql://postgres:x@127.0.0.1:${await freePort()}/nothing`;
    await expect(authorize({ email: "a@test.local", password: "pw" }, { headers: {} })).rejects.toThrow(
      SIGN_IN_ERRORS.unavailable,
    );
  });
});
