/**
 * Load benchmark of the annotation API (not a test): 50 concurrent annotators, each in a loop fetching their
 * next ranking task and submitting a ranking (every other one with a tie), for 60 s against `next start` on a fresh
 * embedded Postgres. Prints throughput and p50/p95/p99 latency per request, then counts rows: every accepted
 * submission must be in the database exactly once. A 10 s run of the cheapest signed-in procedure first gives a
 * reference measured on the same machine in the same run.
 *   npm run bench:annotation            (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_PROMPTS to change the load)
 * Needs a built web app (`next build`); builds it first when .next is missing.
 */
import autocannon from "autocannon";
import bcrypt from "bcryptjs";
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPrisma } from "@rlhf/db";
import { freePort, migrateDatabase, startEmbeddedPostgres } from "@rlhf/db/services";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 6000);
const REFERENCE_SECONDS = Number(process.env.BENCH_REFERENCE_SECONDS ?? 10);
const PASSWORD = "bench-password";
const webDir = resolve(import.meta.dirname, "..");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

interface BenchContext {
  task?: { id: string; responses: { id: string }[] } | null;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function signIn(base: string, email: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD, json: "true" }),
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in failed for ${email} (HTTP ${response.status})`);
  return [...cookies, session.split(";")[0]].join("; ");
}

async function waitForServer(base: string, child: ReturnType<typeof spawn>) {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/signin`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error("next start did not answer within 60 s");
}

async function main() {
  if (!existsSync(join(webDir, ".next", "BUILD_ID"))) {
    console.log("building the web app (next build)…");
    const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: webDir, stdio: "inherit" });
    if (build.status !== 0) throw new Error("next build failed");
  }
  const root = mkdtempSync(join(tmpdir(), "bench-annotation-"));
  chmodSync(root, 0o755); // entered by the `postgres` user when run as root
  const postgres = await startEmbeddedPostgres({
    dataDir: join(root, "pg"),
    port: await freePort(),
    persistent: false,
    fast: true,
  });
  let server: ReturnType<typeof spawn> | undefined;
  try {
    await postgres.ensureDatabase("bench");
    const url = postgres.url("bench");
    await migrateDatabase(url);
    const prisma = createPrisma(url);

    const passwordHash = await bcrypt.hash(PASSWORD, 10);
    const emails = Array.from({ length: CONNECTIONS }, (_, i) => `bench${i}@example.com`);
    await prisma.user.createMany({
      data: emails.map((email, i) => ({ email, name: `Bench ${i}`, role: "ANNOTATOR", passwordHash })),
    });
    const promptIds = Array.from({ length: PROMPTS }, () => randomUUID());
    await prisma.prompt.createMany({
      data: promptIds.map((id, i) => ({
        id,
        messages: [{ role: "user", content: `Benchmark prompt ${i}: explain topic ${i}.` }],
        language: "en",
        source: "SYNTHETIC" as const,
        reviewState: "ACCEPTED" as const,
      })),
    });
    await prisma.response.createMany({
      data: promptIds.flatMap((promptId, i) =>
        [1, 2, 3].map((n) => ({
          promptId,
          text: `Answer ${n} to ${i}.`,
          kind: "MODEL" as const,
          modelName: `m${n}`,
          reviewState: "ACCEPTED" as const,
        })),
      ),
    });

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // next itself (not npx) is the child, so stopping it stops the server; its log goes to a file.
    const serverLog = openSync(join(root, "next.log"), "w");
    server = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: webDir,
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: url,
        NEXTAUTH_URL: base,
        NEXTAUTH_SECRET: randomUUID(),
        LOG_LEVEL: "warn",
        ANNOTATION_POLICY: JSON.stringify({ writesPerMinute: 10_000 }),
      },
      stdio: ["ignore", serverLog, serverLog],
    });
    await waitForServer(base, server);
    const cookies = await Promise.all(emails.map((email) => signIn(base, email)));
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
    const exited = new Promise((done) => server!.once("exit", done));
    server.kill("SIGTERM");
    await exited;
    const rankings = await prisma.ranking.count();
    const keys = await prisma.idempotencyKey.count({ where: { procedure: "submitRanking" } });
    const found = await prisma.ranking.count({ where: { id: { in: [...accepted] } } });
    const [{ duplicates }] = await prisma.$queryRaw<{ duplicates: bigint }[]>`
      SELECT count(*) - count(DISTINCT ("promptId", "userId")) AS duplicates FROM "Ranking"`;
    const [{ overfull }] = await prisma.$queryRaw<{ overfull: bigint }[]>`
      SELECT count(*) AS overfull FROM (
        SELECT target FROM "Task" WHERE kind = 'RANK' AND status = 'DONE' GROUP BY target HAVING count(*) > 3) t`;
    console.log(
      JSON.stringify(
        {
          connections: CONNECTIONS,
          seconds: SECONDS,
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
          submissionsAnswered200: accepted.size,
          submissionsFailed: failedSubmissions,
          rankingRows: rankings,
          idempotencyKeysForRankings: keys,
          answered200ButMissing: accepted.size - found,
          committedAfterTheClockStopped: rankings - found,
          duplicateRankings: Number(duplicates),
          itemsOverOverlap: Number(overfull),
        },
        null,
        2,
      ),
    );
    await prisma.$disconnect();
  } catch (error) {
    const log = join(root, "next.log");
    if (existsSync(log))
      console.error(
        `last lines of the server log:\n${readFileSync(log, "utf8").split("\n").slice(-20).join("\n")}`,
      );
    throw error;
  } finally {
    server?.kill("SIGTERM");
    await postgres.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
