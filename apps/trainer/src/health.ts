import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { runHealthChecks, type HealthChecks } from "@rlhf/shared";

/** GET /health: 200 when every check passes, 503 otherwise; JSON body either way. */
export function startHealthServer(port: number, checks: HealthChecks): Promise<Server> {
  const server = createServer(async (request, response) => {
    if (request.method !== "GET" || request.url !== "/health") {
      response.writeHead(404).end();
      return;
    }
    const health = await runHealthChecks(checks);
    response.writeHead(health.ok ? 200 : 503, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ service: "trainer", status: health.ok ? "ok" : "degraded", ...health.checks }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

export const boundPort = (server: Server) => (server.address() as AddressInfo).port;
