/**
 * A per-key sliding-window limit on writes, kept in the web process's memory. One `next start` process serves
 * the app here; behind several processes this becomes per-process (a Redis counter would make it global).
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records a hit and says whether it is allowed; refused hits are not recorded, so waiting always helps. */
  tryHit(key: string, nowMs: number): { allowed: boolean; retryAfterMs: number } {
    const recent = (this.hits.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return { allowed: false, retryAfterMs: recent[0] + this.windowMs - nowMs };
    }
    recent.push(nowMs);
    this.hits.set(key, recent);
    return { allowed: true, retryAfterMs: 0 };
  }
}
