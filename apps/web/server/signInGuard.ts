/**
 * Limits password guessing: failures are counted per account (the e-mail as typed, known or not, so a lock-out
 * says nothing about existence) and per address; past the limit within the window the key is locked for the
 * window, right password or not. Kept in this process's memory: one `next start` serves the app (behind several
 * processes each would count on its own).
 */
export interface SignInGuardOptions {
  /** Failures per account within the window before it locks. */
  accountFailures: number;
  /** Failures per address (any accounts) within the window before it locks. */
  addressFailures: number;
  windowMs: number;
}

export const SIGN_IN_LIMITS: SignInGuardOptions = {
  accountFailures: 5,
  addressFailures: 20,
  windowMs: 15 * 60_000,
};

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class SignInGuard {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: SignInGuardOptions = SIGN_IN_LIMITS) {}

  /** Milliseconds until the account and address may try again; 0 when they may now. */
  lockedFor(account: string, address: string, nowMs: number): number {
    const until = Math.max(this.entry(`a:${account}`).lockedUntil, this.entry(`i:${address}`).lockedUntil);
    return Math.max(0, until - nowMs);
  }

  recordFailure(account: string, address: string, nowMs: number): void {
    this.fail(`a:${account}`, this.options.accountFailures, nowMs);
    this.fail(`i:${address}`, this.options.addressFailures, nowMs);
  }

  /** A success clears the account's failures (not the address's: one good account must not unlock spraying). */
  recordSuccess(account: string): void {
    this.entries.delete(`a:${account}`);
  }

  private entry(key: string): Entry {
    return this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
  }

  private fail(key: string, limit: number, nowMs: number) {
    const entry = this.entry(key);
    entry.failures = entry.failures.filter((t) => t > nowMs - this.options.windowMs);
    entry.failures.push(nowMs);
    if (entry.failures.length >= limit) {
      entry.lockedUntil = nowMs + this.options.windowMs;
      entry.failures = [];
    }
    this.entries.set(key, entry);
    // Bounded memory under a flood of made-up e-mails: drop entries with nothing left to remember.
    if (this.entries.size > 100_000) {
      for (const [k, e] of this.entries) {
        if (e.lockedUntil <= nowMs && e.failures.every((t) => t <= nowMs - this.options.windowMs))
          this.entries.delete(k);
      }
    }
  }
}
