// Brings up the whole platform: PostgreSQL, a queue backend, migrations, demo accounts, the trainer and the web
// app (both supervised: restarted with backoff when they crash). Used by `npm start` (scripts/start.ts) and by the browser tests (e2e/global-setup.ts).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { createPrisma } from "@rlhf/db";
import { seedDemoAccounts, type DemoAccount } from "@rlhf/db/seed";
import { findRedisServer, migrateDatabase, startEmbeddedPostgres, startRedisServer } from "@rlhf/db/services";
import { REDIS_INSTALL_HINT } from "@rlhf/shared/queue";
import { PlatformState, stopProcess, superviseApp, type SupervisedApp } from "./supervise";

export const ROOT = resolve(import.meta.dirname, "..");
const WEB_DIR = join(ROOT, "apps/web");
// Node resolves `--import tsx` from the working directory; every app is started inside the repository.
const TSX_LOADER = "tsx";

export interface PlatformOptions {
  /** Where the embedded Postgres and Redis keep their files. */
  dataDir: string;
  /** false: the database is deleted on stop (tests). */
  persistent: boolean;
  ports: { postgres: number; redis: number; web: number; trainerHealth: number };
  nextAuthSecret: string;
  /** The embedded PostgreSQL's password; required when persistent (see startEmbeddedPostgres). */
  postgresPassword?: string;
  /** Every demo account gets this password (tests); otherwise each gets a random one. */
  demoPassword?: string;
  /** Extra environment for the trainer (tests shorten its timers). */
  trainerEnv?: Record<string, string>;
  /** A stop request during start-up: the step under way ends (a build is interrupted), then all is stopped. */
  signal?: AbortSignal;
  /** "auto": `next build` when its sources changed since the last build; "always": build anyway. */
  webBuild?: "auto" | "always";
  log: (message: string) => void;
}

export interface Platform {
  webUrl: string;
  trainerHealthUrl: string;
  /** Accounts created by this start (empty when the database was already seeded). */
  newAccounts: DemoAccount[];
  queueBackend: "redis" | "postgres";
  /** Stops the apps first, then Redis, then PostgreSQL. */
  stop(): Promise<void>;
}

/** Thrown by startPlatform when its signal asked it to stop during start-up (after everything was stopped). */
export class StartCancelled extends Error {
  constructor() {
    super("start-up cancelled by a stop request");
    this.name = "StartCancelled";
  }
}

type Stop = () => Promise<void>;

// Longer than the trainer's own shutdown timer (TRAINER_SHUTDOWN_MS, 10 s), so it normally exits by itself.
const APP_STOP_GRACE_MS = 12_000;

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const signal = options.signal ?? new AbortController().signal;
  const state = new PlatformState(options.dataDir);
  const services: Stop[] = []; // stopped last-started first
  const apps: SupervisedApp[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(apps.map((app) => app.stop(APP_STOP_GRACE_MS)));
      for (const stopService of services.reverse()) await stopService();
      state.clear();
    })());
  /** Between two steps of the start-up: a stop request ends it here. */
  const checkpoint = () => {
    if (signal.aborted) throw new StartCancelled();
  };
  try {
    await state.stopLeftovers(options.log);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: "1",
      NEXTAUTH_URL: `http://127.0.0.1:${options.ports.web}`,
      NEXTAUTH_SECRET: options.nextAuthSecret,
      // One artifact store for the whole platform: the web app writes snapshots there, the trainer reads them.
      ARTIFACTS_DIR: process.env.ARTIFACTS_DIR ?? join(options.dataDir, "artifacts"),
    };

    if (!env.DATABASE_URL) {
      const pgDir = join(options.dataDir, "pg");
      const postgres = await startEmbeddedPostgres({
        dataDir: pgDir,
        port: options.ports.postgres,
        persistent: options.persistent,
        password: options.postgresPassword,
      });
      services.push(() => postgres.stop());
      state.record("postgres", postmasterPid(pgDir));
      checkpoint();
      await postgres.ensureDatabase("rlhf");
      env.DATABASE_URL = postgres.url("rlhf");
      options.log(`postgres (embedded) on port ${options.ports.postgres}`);
    }
    checkpoint();

    let queueBackend: Platform["queueBackend"] = "redis";
    if (!env.REDIS_URL) {
      const binary = findRedisServer();
      if (binary) {
        const redis = await startRedisServer({
          binary,
          port: options.ports.redis,
          dir: join(options.dataDir, "redis"),
          persistent: options.persistent,
        });
        services.push(() => redis.stop());
        state.record("redis", redis.pid);
        env.REDIS_URL = redis.url;
        options.log(`redis (${binary}) on port ${options.ports.redis}`);
      } else {
        queueBackend = "postgres";
        env.QUEUE_BACKEND = "postgres";
        options.log(
          `no redis-server found: the job queue uses BullMQ's PostgreSQL backend (to use Redis, ${REDIS_INSTALL_HINT})`,
        );
      }
    }
    checkpoint();

    await migrateDatabase(env.DATABASE_URL);
    options.log("migrations applied");
    checkpoint();
    const prisma = createPrisma(env.DATABASE_URL);
    const newAccounts = await seedDemoAccounts(prisma, { password: options.demoPassword }).finally(() =>
      prisma.$disconnect(),
    );
    checkpoint();

    await buildWebIfStale(options.webBuild ?? "auto", signal, options.log);
    checkpoint();

    const supervise = (name: string, argv: string[], cwd: string, appEnv: NodeJS.ProcessEnv) =>
      superviseApp(name, argv, {
        cwd,
        env: appEnv,
        log: (message) => options.log(message),
        onStart: (pid) => state.record(name, pid),
      });
    apps.push(
      supervise(
        "trainer",
        [process.execPath, "--import", TSX_LOADER, join(ROOT, "apps/trainer/src/main.ts")],
        ROOT,
        {
          ...env,
          TRAINER_HEALTH_PORT: String(options.ports.trainerHealth),
          ...options.trainerEnv,
        },
      ),
      supervise(
        "web",
        [process.execPath, nextBin(), "start", "-p", String(options.ports.web), "-H", "127.0.0.1"],
        WEB_DIR,
        env,
      ),
    );
    const webUrl = `http://127.0.0.1:${options.ports.web}`;
    const trainerHealthUrl = `http://127.0.0.1:${options.ports.trainerHealth}/health`;
    await Promise.all([
      waitForHealthy(`${webUrl}/api/health`, signal),
      waitForHealthy(trainerHealthUrl, signal),
    ]);
    checkpoint();
    return { webUrl, trainerHealthUrl, newAccounts, queueBackend, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** PostgreSQL's own pid, from the first line of postmaster.pid in its data folder. */
function postmasterPid(pgDir: string): number | undefined {
  const file = join(pgDir, "postmaster.pid");
  return existsSync(file) ? Number(readFileSync(file, "utf8").split("\n")[0]) : undefined;
}

const nextBin = () => join(ROOT, "node_modules/next/dist/bin/next");

async function waitForHealthy(url: string, signal: AbortSignal, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw new StartCancelled();
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`${url} was not healthy within ${timeoutMs / 1000} s (last status ${status})`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

// Build output, dependencies, and files that tools rewrite on every run.
const IGNORED_FOR_STALENESS = /^(node_modules|\.next|\.turbo|generated|next-env\.d\.ts|.*\.tsbuildinfo)$/;

/** Newest modification time under the given paths, skipping build output and dependencies. */
function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const entries = readdirSync(path).filter((name) => !IGNORED_FOR_STALENESS.test(name));
      newest = Math.max(newest, newestMtime(entries.map((name) => join(path, name))));
    } else newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/**
 * `next build` when there is no build, when the web app or the packages it bundles changed since, or always.
 * It runs in a process group of its own, so a stop request ends the build and every worker it started.
 */
async function buildWebIfStale(
  mode: "auto" | "always",
  signal: AbortSignal,
  log: (message: string) => void,
): Promise<void> {
  const buildId = join(WEB_DIR, ".next/BUILD_ID");
  const sources = [
    WEB_DIR,
    join(ROOT, "packages/shared/src"),
    join(ROOT, "packages/db/src"),
    // The new-run form bundles the engine's run config schemas.
    join(ROOT, "packages/engine/src/config"),
    join(ROOT, "prisma"),
  ];
  if (mode === "auto" && existsSync(buildId) && statSync(buildId).mtimeMs >= newestMtime(sources)) return;
  log("building the web app (next build; about a minute, only when its sources changed)");
  const build = spawn(process.execPath, [nextBin(), "build"], {
    cwd: WEB_DIR,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    detached: true,
  });
  const interrupt = () => void stopProcess(build.pid!, "SIGTERM", 5000, true);
  signal.addEventListener("abort", interrupt);
  const code = await new Promise<number | null>((resolve) => build.once("exit", resolve));
  signal.removeEventListener("abort", interrupt);
  if (signal.aborted) throw new StartCancelled();
  if (code !== 0) throw new Error(`next build failed (exit ${code})`);
}
