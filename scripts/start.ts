// `npm start`: the whole platform on this machine, its apps supervised. Ctrl-C (or SIGTERM), at any moment,
// stops the apps, then Redis, then PostgreSQL. RLHF_DATA_DIR moves .data; RLHF_WEB_BUILD=always forces a build.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, StartCancelled, startPlatform, type Platform } from "./platform";

// Ctrl-C in a terminal signals the whole foreground process group, PostgreSQL and Redis included, which would
// then stop before the apps. So the platform runs in a process group of its own, and this process forwards
// Ctrl-C (or SIGTERM) to it as one SIGTERM; the platform then stops its parts in order, at any moment of its
// start-up too. The IPC channel tells the platform when this process is gone (killed outright): it stops then.
if (!process.env.RLHF_PLATFORM_GROUP) {
  const platform = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ["inherit", "inherit", "inherit", "ipc"],
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

  // Listening from the first moment: a stop request during start-up ends the step under way, then stops
  // everything started so far, in order.
  const stopRequest = new AbortController();
  const requestStop = (reason: string) => {
    if (stopRequest.signal.aborted) return;
    log(`${reason}: stopping the apps, then the queue, then the database`);
    stopRequest.abort();
    setTimeout(() => {
      console.error("[start] stopping took over 60 s; exiting anyway");
      process.exit(1);
    }, 60_000).unref();
  };
  process.on("SIGINT", () => requestStop("SIGINT"));
  process.on("SIGTERM", () => requestStop("SIGTERM"));
  process.on("disconnect", () => requestStop("npm start exited"));

  const dataDir = process.env.RLHF_DATA_DIR ?? join(ROOT, ".data");
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

  let platform: Platform;
  try {
    platform = await startPlatform({
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
      signal: stopRequest.signal,
      webBuild: process.env.RLHF_WEB_BUILD === "always" ? "always" : "auto",
      log,
    });
  } catch (error) {
    if (!(error instanceof StartCancelled)) throw error;
    log("stopped during start-up");
    process.exit(0);
  }

  const accountsFile = join(dataDir, "demo-accounts.txt");
  if (platform.newAccounts.length > 0) {
    const lines = platform.newAccounts.map((a) => `${a.role.padEnd(9)} ${a.email}  password: ${a.password}`);
    writeFileSync(accountsFile, lines.join("\n") + "\n");
    chmodSync(accountsFile, 0o600);
    log(`demo accounts created (also saved in ${accountsFile}):\n  ${lines.join("\n  ")}`);
  }
  log(
    `ready: open ${platform.webUrl} and sign in with a demo account (admin@example.com, reviewer@example.com, annotator1@example.com, annotator2@example.com; passwords in ${accountsFile})`,
  );

  if (!stopRequest.signal.aborted)
    await new Promise((resolve) => stopRequest.signal.addEventListener("abort", resolve));
  await platform.stop();
  log("stopped");
  process.exit(0);
}
