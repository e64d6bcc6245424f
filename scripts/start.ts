// `npm start`: the whole platform on this machine. Ctrl-C stops the apps, then Redis, then PostgreSQL.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startPlatform } from "./platform";

// Ctrl-C in a terminal signals the whole foreground process group, PostgreSQL and Redis included, which would
// then stop before the apps. So the platform runs in a process group of its own, and this process forwards
// Ctrl-C to it as one SIGTERM; the platform then stops its parts in order.
if (!process.env.RLHF_PLATFORM_GROUP) {
  const platform = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: "inherit",
    env: { ...process.env, RLHF_PLATFORM_GROUP: "1" },
  });
  const forward = () => platform.kill("SIGTERM");
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  platform.once("exit", (code) => process.exit(code ?? 1));
} else {
  await runPlatform();
}

async function runPlatform() {
  const started = Date.now();
  const log = (message: string) =>
    console.log(`[start +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

  const dataDir = join(ROOT, ".data");
  // PostgreSQL runs as its own `postgres` user when started by root, so the folder must be enterable.
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });

  /** A secret generated on first start and kept in .data, so it survives restarts and nothing is hard-coded. */
  function persistentSecret(fileName: string, initial = () => randomBytes(32).toString("base64url")): string {
    const file = join(dataDir, fileName);
    if (!existsSync(file)) writeFileSync(file, initial(), { mode: 0o600 });
    return readFileSync(file, "utf8").trim();
  }
  // A cluster made before the password was generated was initialised with the old fixed one, which it keeps.
  const initialPostgresPassword = () =>
    existsSync(join(dataDir, "pg", "PG_VERSION")) ? "postgres" : randomBytes(32).toString("base64url");

  const platform = await startPlatform({
    dataDir,
    persistent: true,
    ports: {
      postgres: port("PG_PORT", 54329),
      redis: port("REDIS_PORT", 63799),
      web: port("PORT", 3000),
      trainerHealth: port("TRAINER_HEALTH_PORT", 3101),
    },
    nextAuthSecret: process.env.NEXTAUTH_SECRET || persistentSecret("nextauth-secret"),
    postgresPassword: persistentSecret("postgres-password", initialPostgresPassword),
    log,
  });

  const accountsFile = join(dataDir, "demo-accounts.txt");
  if (platform.newAccounts.length > 0) {
    const lines = platform.newAccounts.map((a) => `${a.role.padEnd(9)} ${a.email}  password: ${a.password}`);
    writeFileSync(accountsFile, lines.join("\n") + "\n");
    chmodSync(accountsFile, 0o600);
    log(`demo accounts created (also saved in ${accountsFile}):\n  ${lines.join("\n  ")}`);
  }
  log(
    `ready: open ${platform.webUrl} and sign in with a demo account (admin@example.com, reviewer@example.com, annotator1@example.com, annotator2@example.com; passwords in .data/demo-accounts.txt)`,
  );

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the apps, then the queue, then the database`);
    setTimeout(() => {
      console.error("[start] shutdown took over 30 s; exiting anyway");
      process.exit(1);
    }, 30_000).unref();
    await platform.stop();
    log("stopped");
    process.exit(0);
  }
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}
