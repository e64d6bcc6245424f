/**
 * The open-loop annotation benchmark: BENCH_ANNOTATORS people (200), each acting every 10-30 s (uniform, seeded
 * by BENCH_SEED) for BENCH_SECONDS (120): fetch their next ranking task, then submit it. An action starts on its
 * schedule whether or not the person's previous one has been answered, as real arrivals do, so a slow server
 * meets the same load instead of slowing its clients down (which a closed loop would).
 */
import { randomUUID } from "node:crypto";
import { percentile, rowChecks, startBenchServer } from "./setup";

const ANNOTATORS = Number(process.env.BENCH_ANNOTATORS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 120);
const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 10_000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const MIN_GAP_MS = 10_000;
const MAX_GAP_MS = 30_000;

/** mulberry32: a small seeded generator, so two runs schedule the same arrivals. */
function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Call {
  status: number;
  ms: number;
  body: unknown;
}

type Procedure = "annotation.nextTask" | "annotation.submitRanking";

export async function runOpenLoop() {
  const bench = await startBenchServer({ annotators: ANNOTATORS, prompts: PROMPTS });
  const latencies: Record<Procedure, number[]> = {
    "annotation.nextTask": [],
    "annotation.submitRanking": [],
  };
  const errors: Record<string, number> = {};
  const accepted = new Set<string>();
  const random = seededRandom(SEED);

  const call = async (cookie: string, procedure: Procedure, input: unknown): Promise<Call | null> => {
    const started = performance.now();
    try {
      const response = await fetch(`${bench.base}/api/trpc/${procedure}`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({ json: input }),
      });
      const body = await response.json();
      const ms = performance.now() - started;
      latencies[procedure].push(ms);
      if (response.status !== 200)
        errors[`${procedure} HTTP ${response.status}`] =
          (errors[`${procedure} HTTP ${response.status}`] ?? 0) + 1;
      return { status: response.status, ms, body };
    } catch (error) {
      const key = `${procedure} ${(error as Error).message}`;
      errors[key] = (errors[key] ?? 0) + 1;
      return null;
    }
  };

  const act = async (cookie: string) => {
    const next = await call(cookie, "annotation.nextTask", { kind: "RANK" });
    const task = (
      next?.body as {
        result?: { data: { json: { task: { id: string; responses: { id: string }[] } | null } } };
      }
    )?.result?.data.json.task;
    if (!task) return;
    const ranking = task.responses.map((r) => [r.id]);
    const submitted = await call(cookie, "annotation.submitRanking", {
      submissionId: randomUUID(),
      taskId: task.id,
      ranking,
    });
    const rankingId = (submitted?.body as { result?: { data: { json: { rankingId: string } } } })?.result
      ?.data.json.rankingId;
    if (submitted?.status === 200 && rankingId) accepted.add(rankingId);
  };

  try {
    const endAt = performance.now() + SECONDS * 1000;
    const inFlight = new Set<Promise<void>>();
    const timers: NodeJS.Timeout[] = [];
    const gap = () => MIN_GAP_MS + random() * (MAX_GAP_MS - MIN_GAP_MS);
    const schedule = (cookie: string, delayMs: number) => {
      if (performance.now() + delayMs > endAt) return;
      timers.push(
        setTimeout(() => {
          const action = act(cookie).finally(() => inFlight.delete(action));
          inFlight.add(action);
          schedule(cookie, gap());
        }, delayMs),
      );
    };
    // First actions spread over one gap, so the load starts steady rather than as one burst.
    for (const cookie of bench.cookies) schedule(cookie, random() * MAX_GAP_MS);
    await new Promise((done) => setTimeout(done, SECONDS * 1000));
    timers.forEach(clearTimeout);
    await Promise.all(inFlight);
    await bench.stopServer();

    const summary = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length === 0
        ? { calls: 0 }
        : {
            calls: sorted.length,
            p50: Math.round(percentile(sorted, 50)),
            p95: Math.round(percentile(sorted, 95)),
            p99: Math.round(percentile(sorted, 99)),
            max: Math.round(sorted.at(-1)!),
          };
    };
    console.log(
      JSON.stringify(
        {
          mode: "open-loop",
          annotators: ANNOTATORS,
          seconds: SECONDS,
          prompts: PROMPTS,
          seed: SEED,
          latencyMs: {
            "annotation.nextTask": summary(latencies["annotation.nextTask"]),
            "annotation.submitRanking": summary(latencies["annotation.submitRanking"]),
          },
          errors,
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
