import { describe, expect, it } from "vitest";
import { SlidingWindowLimiter } from "./rateLimit";

describe("SlidingWindowLimiter", () => {
  it("allows `limit` hits per window per key and says when to retry", () => {
    const limiter = new SlidingWindowLimiter(2, 1000);
    expect(limiter.tryHit("ann", 0).allowed).toBe(true);
    expect(limiter.tryHit("ann", 100).allowed).toBe(true);
    expect(limiter.tryHit("ann", 200)).toEqual({ allowed: false, retryAfterMs: 800 });
    expect(limiter.tryHit("bob", 200).allowed).toBe(true);
    expect(limiter.tryHit("ann", 1000).allowed).toBe(true);
    expect(limiter.tryHit("ann", 1050).allowed).toBe(false);
  });
});
