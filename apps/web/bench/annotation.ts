/**
 * Load benchmarks of the annotation API (not tests), against `next start` on a fresh embedded Postgres seeded with
 * BENCH_PROMPTS ranking prompts. Each prints p50/p95/p99 latency, errors, and the row checks: every accepted
 * submission in the database exactly once, no item over its overlap.
 *   npm run bench:annotation                 closed loop: BENCH_CONNECTIONS annotators (50) each fetching their next
 *                                            ranking task and submitting it, back to back, for BENCH_SECONDS (60);
 *                                            first a BENCH_REFERENCE_SECONDS run of the cheapest signed-in call.
 *   npm run bench:annotation -- --open-loop  open loop (see ./openLoop.ts): BENCH_ANNOTATORS people acting every
 *                                            10-30 s whatever the server's answer times.
 * Needs a built web app (`next build`); builds it first when .next is missing.
 */
import autocannon from "autocannon";
import { randomUUID } from "node:crypto";
import { runOpenLoop } from "./openLoop";
import { percentile, rowChecks, startBenchServer } from "./setup";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 6000);
const REFERENCE_SECONDS = Number(process.env.BENCH_REFERENCE_SECONDS ?? 10);

interface BenchContext {
  task?: { id: string; responses: { id: string }[] } | null;
}

async function closedLoop() {
  const bench = await startBenchServer({ annotators: CONNECTIONS, prompts: PROMPTS });
  try {
    const { base, cookies } = bench;
    let nextClient = 0;
    // Reference in the same run: the cheapest signed-in procedure (a session check and one user lookup), so the
    // annotation figures can be read against what this machine does for any authenticated tRPC call.
    const reference = await autocannon({
      url: `${base}/api/trpc/annotation.policy`,
      connections: CONNECTIONS,
      duration: REFERENCE_SECONDS,
      setupClient(client) {
        client.setHeaders({ cookie: cookies[nextClient++ % cookies.length] });
      },
    });

    const accepted = new Set<string>();
    let failedSubmissions = 0;
    const latencies: number[] = [];
    let submissionsSent = 0;
    let finish: (result: autocannon.Result) => void = () => undefined;
    const finished = new Promise<autocannon.Result>((done) => (finish = done));
    const instance = autocannon(
      {
        url: base,
        connections: CONNECTIONS,
        duration: SECONDS,
        setupClient(client) {
          client.setHeaders({
            cookie: cookies[nextClient++ % cookies.length],
            "content-type": "application/json",
          });
        },
        requests: [
          {
            method: "POST",
            path: "/api/trpc/annotation.nextTask",
            body: JSON.stringify({ json: { kind: "RANK" } }),
            onResponse(status, body, context) {
              (context as BenchContext).task = status === 200 ? JSON.parse(body).result.data.json.task : null;
            },
          },
          {
            method: "POST",
            path: "/api/trpc/annotation.submitRanking",
            setupRequest(request, context) {
              const task = (context as BenchContext).task;
              // No task (none left, or an error): start the loop again with a fresh nextTask.
              if (!task) return undefined as never;
              const [a, b, c] = task.responses.map((r) => r.id);
              // Every other ranking ties the last two answers.
              const ranking = submissionsSent++ % 2 === 0 ? [[a], [b], [c]] : [[a], [b, c]];
              return {
                ...request,
                body: JSON.stringify({ json: { submissionId: randomUUID(), taskId: task.id, ranking } }),
              };
            },
            onResponse(status, body) {
              if (status === 200) accepted.add(JSON.parse(body).result.data.json.rankingId);
              else failedSubmissions++;
            },
          },
        ],
      },
      (error, result) => {
        if (error) throw error;
        finish(result);
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    const result = await finished;

    latencies.sort((x, y) => x - y);
    // Requests still in flight when the clock ran out may commit after it: stop the server before counting.
    await bench.stopServer();
    console.log(
      JSON.stringify(
        {
          connections: CONNECTIONS,
          seconds: SECONDS,
          prompts: PROMPTS,
          requests: result.requests.total,
          throughputPerSecond: Math.round(result.requests.average),
          non2xx: result.non2xx,
          errors: result.errors,
          latencyMs: {
            p50: Math.round(percentile(latencies, 50)),
            p95: Math.round(percentile(latencies, 95)),
            p99: Math.round(percentile(latencies, 99)),
            max: Math.round(latencies.at(-1)!),
          },
          reference: {
            procedure: "annotation.policy",
            throughputPerSecond: Math.round(reference.requests.average),
            latencyMsP50: reference.latency.p50,
            latencyMsP97_5: reference.latency.p97_5,
          },
          p50VersusReference: Number((percentile(latencies, 50) / reference.latency.p50).toFixed(2)),
          submissionsFailed: failedSubmissions,
          ...(await rowChecks(bench.prisma, accepted)),
        },
        null,
        2,
      ),
    );
  } finally {
    await bench.close();
  }
}

await (process.argv.includes("--open-loop") ? runOpenLoop() : closedLoop());
