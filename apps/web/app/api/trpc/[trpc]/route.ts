import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { db } from "@rlhf/db";
import { getSession } from "@/server/auth";
import { log } from "@/server/log";
import { evaluationQueue, trainingQueue } from "@/server/queue";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { rejectOversizedBody } from "@/server/api/bodyLimit";

export const dynamic = "force-dynamic";

const handler = (request: Request) =>
  rejectOversizedBody(request) ??
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async () =>
      createContext({
        userId: (await getSession())?.user.id ?? null,
        prisma: db(),
        queue: trainingQueue,
        evaluationQueue,
        log,
        requestId: request.headers.get("x-request-id") ?? undefined,
      }),
  });

export { handler as GET, handler as POST };
