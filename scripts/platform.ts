// Brings up the whole platform: PostgreSQL, a queue backend, migrations, demo accounts, the trainer and the web
// app. Used by `npm start` (scripts/start.ts) and by the browser tests (e2e/global-setup.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { createPrisma } from "@rlhf/db";
import { seedDemoAccounts, type DemoAccount } from "@rlhf/db/seed";
import { findRedisServer, migrateDatabase, startEmbeddedPostgres, startRedisServer } from "@rlhf/db/services";
import { REDIS_INSTALL_HINT } from "@rlhf/shared/queue";

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

type Stop = () => Promise<void>;

// Longer than the trainer's own shutdown timer (TRAINER_SHUTDOWN_MS, 10 s), so it normally exits by itself.
const APP_STOP_GRACE_MS = 12_000;

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const services: Stop[] = []; // stopped last-started first
  const apps: ChildProcess[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all(apps.map((child) => terminate(child, APP_STOP_GRACE_MS)));
    for (const stopService of services.reverse()) await stopService();
  };
  function spawnApp(
    name: string,
    [command, ...args]: string[],
    cwd: string,
    appEnv: NodeJS.ProcessEnv,
  ): ChildProcess {
    const child = spawn(command, args, { cwd, env: appEnv, stdio: ["ignore", "inherit", "inherit"] });
    child.once("exit", (code, signal) => {
      if (!stopping) console.error(`[platform] ${name} exited unexpectedly (code ${code}, signal ${signal})`);
    });
    return child;
  }
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: "1",
      NEXTAUTH_URL: `http://127.0.0.1:${options.ports.web}`,
      NEXTAUTH_SECRET: options.nextAuthSecret,
      // One artifact store for the whole platform: the web app writes snapshots there, the trainer reads them.
      ARTIFACTS_DIR: process.env.ARTIFACTS_DIR ?? join(options.dataDir, "artifacts"),
    };

    if (!env.DATABASE_URL) {
      const postgres = await startEmbeddedPostgres({
        dataDir: join(options.dataDir, "pg"),
        port: options.ports.postgres,
        persistent: options.persistent,
        password: options.postgresPassword,
      });
      services.push(() => postgres.stop());
      await postgres.ensureDatabase("rlhf");
      env.DATABASE_URL = postgres.url("rlhf");
      options.log(`postgres (embedded) on port ${options.ports.postgres}`);
    }

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

    await migrateDatabase(env.DATABASE_URL);
    options.log("migrations applied");
    const prisma = createPrisma(env.DATABASE_URL);
    const newAccounts = await seedDemoAccounts(prisma, { password: options.demoPassword }).finally(() =>
      prisma.$disconnect(),
    );

    buildWebIfStale(options.log);

    apps.push(
      spawnApp(
        "trainer",
        [process.execPath, "--import", TSX_LOADER, join(ROOT, "apps/trainer/src/main.ts")],
        ROOT,
        {
          ...env,
          TRAINER_HEALTH_PORT: String(options.ports.trainerHealth),
          ...options.trainerEnv,
        },
      ),
      spawnApp(
        "web",
        [process.execPath, nextBin(), "start", "-p", String(options.ports.web), "-H", "127.0.0.1"],
        WEB_DIR,
        env,
      ),
    );
    const webUrl = `http://127.0.0.1:${options.ports.web}`;
    const trainerHealthUrl = `http://127.0.0.1:${options.ports.trainerHealth}/health`;
    await Promise.all([
      waitForHealthy(`${webUrl}/api/health`, apps[1]),
      waitForHealthy(trainerHealthUrl, apps[0]),
    ]);
    return { webUrl, trainerHealthUrl, newAccounts, queueBackend, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const nextBin = () => join(ROOT, "node_modules/next/dist/bin/next");

function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    child.kill("SIGTERM");
  });
}

async function waitForHealthy(url: string, app: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (app.exitCode !== null) throw new Error(`the process serving ${url} exited with code ${app.exitCode}`);
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

/** `next build` when there is no build, or when the web app or the packages it bundles changed since. */
function buildWebIfStale(log: (message: string) => void): void {
  const buildId = join(WEB_DIR, ".next/BUILD_ID");
  const sources = [
    WEB_DIR,
    join(ROOT, "packages/shared/src"),
    join(ROOT, "packages/db/src"),
    join(ROOT, "prisma"),
  ];
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestMtime(sources)) return;
  log("building the web app (next build; about a minute, only when its sources changed)");
  const result = spawnSync(process.execPath, [nextBin(), "build"], {
    cwd: WEB_DIR,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
}
