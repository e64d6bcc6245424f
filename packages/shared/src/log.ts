import { pino, type Logger } from "pino";

export type { Logger };

/** JSON lines on stdout; callers add `requestId` / `jobId` with logger.child(...). LOG_LEVEL sets the level. */
export function createLogger(service: string): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? "info",
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
