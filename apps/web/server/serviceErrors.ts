/**
 * Errors that mean "a service is down", not "the request was wrong": callers answer them as 503 / "service
 * unavailable" instead of passing them off as a failed check (a wrong password) or a bug.
 */
// Prisma's codes for an unreachable or closed database, and PostgreSQL's for a shutting-down or starting server.
const UNAVAILABLE_CODES = new Set([
  "P1001",
  "P1002",
  "P1017",
  "57P01",
  "57P03",
  "ECONNREFUSED",
  "ECONNRESET",
]);
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout"]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const e = pending.pop();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const { code, kind, name, cause, meta } = e as Record<string, unknown>;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof kind === "string" && UNAVAILABLE_KINDS.has(kind)) return true;
    if (name === "PrismaClientInitializationError") return true;
    pending.push(cause, (meta as Record<string, unknown> | undefined)?.driverAdapterError);
  }
  return false;
}
