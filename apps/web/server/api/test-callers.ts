// Test helper: people of given roles and tRPC callers acting as them, on a real test database.
import type { PrismaClient } from "@rlhf/db";
import type { Role } from "@rlhf/shared";
import { createLogger } from "@rlhf/shared/log";
import type { EvaluationQueue, TrainingQueue } from "@rlhf/shared/queue";
import { randomUUID } from "node:crypto";
import { createCaller } from "./root";
import { createContext } from "./trpc";

const log = createLogger("web-test");

export type Caller = ReturnType<typeof createCaller>;

const noQueue = (): never => {
  throw new Error("this test's procedures were not expected to touch the queue");
};

export function testCallers(
  prisma: PrismaClient,
  queue: () => TrainingQueue = noQueue,
  evaluationQueue: () => EvaluationQueue = noQueue,
) {
  let count = 0;
  const callerFor = (userId: string | null): Caller =>
    createCaller(createContext({ userId, prisma, queue, evaluationQueue, log }));
  return {
    /** A new person with this role, and a caller acting as them. */
    async person(role: Role) {
      const user = await prisma.user.create({
        data: {
          // Unique across several testCallers on one database (e.g. one per queue).
          email: `${role.toLowerCase()}-${++count}-${randomUUID().slice(0, 8)}@test.local`,
          name: `${role} ${count}`,
          role,
          passwordHash: "unused",
        },
      });
      return { user, api: callerFor(user.id) };
    },
    anonymous: () => callerFor(null),
  };
}

/** A fresh client submission id, as the pages make one per submit. */
export const sid = () => randomUUID();
