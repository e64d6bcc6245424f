import { db } from "@rlhf/db";
import { runHealthChecks } from "@rlhf/shared";
import { checkQueue } from "@rlhf/shared/queue";
import { trainingQueue } from "@/server/queue";

export const dynamic = "force-dynamic";

/** 200 when Postgres and the job queue answer, 503 otherwise. */
export async function GET() {
  const health = await runHealthChecks({
    db: async () => void (await db().$queryRaw`SELECT 1`),
    queue: () => checkQueue(trainingQueue()),
  });
  return Response.json(
    { service: "web", status: health.ok ? "ok" : "degraded", ...health.checks },
    { status: health.ok ? 200 : 503 },
  );
}
