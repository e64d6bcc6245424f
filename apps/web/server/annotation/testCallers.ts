// Test helper: people of given roles and tRPC callers acting as them, on a real test database.
import type { PrismaClient } from "@rlhf/db";
import type { Role } from "@rlhf/shared";
import { createLogger } from "@rlhf/shared/log";
import { randomUUID } from "node:crypto";
import { createCaller } from "../api/root";
import { createContext } from "../api/trpc";

const log = createLogger("annotation-test");

export type Caller = ReturnType<typeof createCaller>;

export function annotationCallers(prisma: PrismaClient) {
  let count = 0;
  const callerFor = (userId: string | null): Caller =>
    createCaller(
      createContext({
        userId,
        prisma,
        queue: () => {
          throw new Error("annotation procedures never touch the queue");
        },
        log,
      }),
    );
  return {
    /** A new person with this role, and a caller acting as them. */
    async person(role: Role) {
      const user = await prisma.user.create({
        data: {
          email: `${role.toLowerCase()}-${++count}@annotation.test`,
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
