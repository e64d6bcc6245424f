export type HealthChecks = Record<string, () => Promise<void>>;

export interface HealthReport {
  ok: boolean;
  /** "ok", or the failed check's error message. */
  checks: Record<string, string>;
}

/** Runs every check concurrently and reports each one; used by the web app's and the trainer's /health. */
export async function runHealthChecks(checks: HealthChecks): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((name) => checks[name]()));
  const report: Record<string, string> = {};
  results.forEach((result, i) => {
    report[names[i]] =
      result.status === "fulfilled"
        ? "ok"
        : result.reason instanceof Error
          ? result.reason.message
          : String(result.reason);
  });
  return { ok: results.every((result) => result.status === "fulfilled"), checks: report };
}
