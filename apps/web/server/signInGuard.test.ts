import { describe, expect, it } from "vitest";
import { SignInGuard } from "./signInGuard";

const options = { accountFailures: 3, addressFailures: 5, windowMs: 1000 };

describe("SignInGuard", () => {
  it("locks an account after its failures within the window, for the window", () => {
    const guard = new SignInGuard(options);
    for (let i = 0; i < 2; i++) guard.recordFailure("a@x", `10.0.0.${i}`, 100);
    expect(guard.lockedFor("a@x", "10.0.0.9", 100)).toBe(0);
    guard.recordFailure("a@x", "10.0.0.3", 200);
    expect(guard.lockedFor("a@x", "10.0.0.9", 200)).toBe(1000);
    expect(guard.lockedFor("b@x", "10.0.0.9", 200)).toBe(0);
    expect(guard.lockedFor("a@x", "10.0.0.9", 1200)).toBe(0);
  });

  it("forgets failures older than the window", () => {
    const guard = new SignInGuard(options);
    guard.recordFailure("a@x", "ip", 0);
    guard.recordFailure("a@x", "ip", 500);
    guard.recordFailure("a@x", "ip", 1100);
    expect(guard.lockedFor("a@x", "other", 1100)).toBe(0);
  });

  it("locks an address spraying many accounts, and a success clears only the account", () => {
    const guard = new SignInGuard(options);
    for (let i = 0; i < 5; i++) guard.recordFailure(`user${i}@x`, "ip", 10);
    expect(guard.lockedFor("fresh@x", "ip", 10)).toBe(1000);
    guard.recordFailure("c@x", "ip2", 10);
    guard.recordFailure("c@x", "ip2", 10);
    guard.recordSuccess("c@x");
    guard.recordFailure("c@x", "ip3", 10);
    expect(guard.lockedFor("c@x", "ip4", 10)).toBe(0);
  });
});
