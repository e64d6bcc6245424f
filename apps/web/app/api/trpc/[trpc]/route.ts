import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { db } from "@rlhf/db";
import { getSession } from "@/server/auth";
import { log } from "@/server/log";
import { evaluationQueue, trainingQueue } from "@/server/queue";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { readBodyWithin } from "@/server/api/bodyLimit";
import { API_SECURITY_HEADERS } from "@/server/securityHeaders";

export const dynamic = "force-dynamic";

async function handler(incoming: Request) {
  const request = await readBodyWithin(incoming);
  if (request instanceof Response) return request;
  const context = createContext({
    userId: null,
    prisma: db(),
    queue: trainingQueue,
    evaluationQueue,
    log,
    requestId: request.headers.get("x-request-id"),
  });
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async () => ({ ...context, userId: (await getSession())?.user.id ?? null }),
    responseMeta: () => ({ headers: { ...API_SECURITY_HEADERS, "x-request-id": context.requestId } }),
  });
}

export { handler as GET, handler as POST };
