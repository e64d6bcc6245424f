// Test helper: tRPC callers acting as a user of a given role, against a real test database and queue.
import type { PrismaClient } from "@rlhf/db";
import type { Role } from "@rlhf/shared";
import { createLogger } from "@rlhf/shared/log";
import type { TrainingQueue } from "@rlhf/shared/queue";
import { createCaller } from "./root";
import { createContext } from "./trpc";

const log = createLogger("web-test");

export function callersFor(prisma: PrismaClient, queue: () => TrainingQueue) {
  let users = 0;
  const as = async (role: Role) => {
    const user = await prisma.user.create({
      data: {
        email: `${role.toLowerCase()}-${++users}@test.local`,
        name: `Test ${role}`,
        role,
        passwordHash: "unused",
      },
    });
    return createCaller(createContext({ userId: user.id, prisma, queue, log }));
  };
  const anonymous = () => createCaller(createContext({ userId: null, prisma, queue, log }));
  return { as, anonymous };
}
