import { createLogger, type Logger } from "@rlhf/shared/log";

const cache = globalThis as unknown as { __rlhfWebLog?: Logger };
export const log: Logger = (cache.__rlhfWebLog ??= createLogger("web"));
