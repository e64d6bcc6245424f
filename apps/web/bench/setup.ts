/**
 * What both annotation benchmarks share: a fresh embedded Postgres seeded with annotators and ranking prompts
 * (three answers each), `next start` against it, signed-in cookies, and the row checks run after the load.
 */
import bcrypt from "bcryptjs";
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPrisma, type PrismaClient } from "@rlhf/db";
import { freePort, migrateDatabase, startEmbeddedPostgres } from "@rlhf/db/services";

const PASSWORD = "bench-password";
const webDir = resolve(import.meta.dirname, "..");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

export function percentile(sorted: number[], p: number): number {
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

async function seed(prisma: PrismaClient, emails: string[], prompts: number) {
  const passwordHash = await bcrypt.hash(PASSWORD, 10);
  await prisma.user.createMany({
    data: emails.map((email, i) => ({ email, name: `Bench ${i}`, role: "ANNOTATOR", passwordHash })),
  });
  // In batches: one createMany of 100,000 rows would pass PostgreSQL's limit on bind parameters.
  for (let from = 0; from < prompts; from += 5000) {
    const promptIds = Array.from({ length: Math.min(5000, prompts - from) }, () => randomUUID());
    await prisma.prompt.createMany({
      data: promptIds.map((id, i) => ({
        id,
        messages: [{ role: "user", content: `Benchmark prompt ${from + i}: explain topic ${from + i}.` }],
        language: "en",
        source: "SYNTHETIC" as const,
        reviewState: "ACCEPTED" as const,
      })),
    });
    await prisma.response.createMany({
      data: promptIds.flatMap((promptId, i) =>
        [1, 2, 3].map((n) => ({
          promptId,
          text: `Answer ${n} to ${from + i}.`,
          kind: "MODEL" as const,
          modelName: `m${n}`,
          reviewState: "ACCEPTED" as const,
        })),
      ),
    });
  }
}

export interface BenchServer {
  base: string;
  /** One signed-in cookie header per annotator. */
  cookies: string[];
  prisma: PrismaClient;
  /** Stops `next start` (requests in flight may still commit until it has exited). */
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the web app when .next is missing, seeds a fresh database and starts the server against it. */
export async function startBenchServer(options: {
  annotators: number;
  prompts: number;
}): Promise<BenchServer> {
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
  const stopServer = async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((done) => server!.once("exit", done));
    server.kill("SIGTERM");
    await exited;
  };
  const close = async () => {
    await stopServer();
    await prisma?.$disconnect();
    await postgres.stop();
    rmSync(root, { recursive: true, force: true });
  };
  let prisma: PrismaClient | undefined;
  try {
    await postgres.ensureDatabase("bench");
    const url = postgres.url("bench");
    await migrateDatabase(url);
    prisma = createPrisma(url);
    const emails = Array.from({ length: options.annotators }, (_, i) => `bench${i}@example.com`);
    await seed(prisma, emails, options.prompts);

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
    return { base, cookies, prisma, stopServer, close };
  } catch (error) {
    const log = join(root, "next.log");
    if (existsSync(log))
      console.error(
        `last lines of the server log:\n${readFileSync(log, "utf8").split("\n").slice(-20).join("\n")}`,
      );
    await close();
    throw error;
  }
}

/** Nothing lost, duplicated or over overlap: run after the server stopped, given the ids answered 200. */
export async function rowChecks(prisma: PrismaClient, accepted: Set<string>) {
  const rankings = await prisma.ranking.count();
  const keys = await prisma.idempotencyKey.count({ where: { procedure: "submitRanking" } });
  const found = await prisma.ranking.count({ where: { id: { in: [...accepted] } } });
  const [{ duplicates }] = await prisma.$queryRaw<{ duplicates: bigint }[]>`
    SELECT count(*) - count(DISTINCT ("promptId", "userId")) AS duplicates FROM "Ranking"`;
  const [{ overfull }] = await prisma.$queryRaw<{ overfull: bigint }[]>`
    SELECT count(*) AS overfull FROM (
      SELECT target FROM "Task" WHERE kind = 'RANK' AND status = 'DONE' GROUP BY target HAVING count(*) > 3) t`;
  return {
    submissionsAnswered200: accepted.size,
    rankingRows: rankings,
    idempotencyKeysForRankings: keys,
    answered200ButMissing: accepted.size - found,
    committedAfterTheClockStopped: rankings - found,
    duplicateRankings: Number(duplicates),
    itemsOverOverlap: Number(overfull),
  };
}
