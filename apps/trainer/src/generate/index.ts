// The trainer's entry to the generate service: started from the environment beside the training workers.
import type { PrismaClient } from "@rlhf/db";
import { generateBackendFromEnv } from "@rlhf/shared/generate";
import type { Logger } from "@rlhf/shared/log";
import { generateEnv } from "./env";
import { type GenerateService, startGenerateService } from "./service";

export type { GenerateService };

/**
 * The generate worker, or null (with a warning) when there is no Redis: training still works on BullMQ's
 * PostgreSQL backend, only the playground and the arena need Redis streams.
 */
export function startGenerateFromEnv(prisma: PrismaClient, log: Logger): GenerateService | null {
  if (!process.env.REDIS_URL) {
    log.warn("REDIS_URL is not set: no generate worker (the playground and the arena need Redis)");
    return null;
  }
  return startGenerateService(prisma, generateBackendFromEnv(), generateEnv(), log);
}
