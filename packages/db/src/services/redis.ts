import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { connect } from "node:net";

export interface RedisServer {
  url: string;
  /** The server's process id (recorded so a later start can find a server left running). */
  pid: number | undefined;
  stop(): Promise<void>;
}

const CANDIDATES = [
  "/usr/bin/redis-server",
  "/usr/local/bin/redis-server",
  "/opt/homebrew/bin/redis-server",
  "/usr/bin/valkey-server",
];

/** Path of an installed redis-server (or Valkey), or null. REDIS_SERVER_BIN overrides the search. */
export function findRedisServer(): string | null {
  const override = process.env.REDIS_SERVER_BIN;
  if (override) return existsSync(override) ? override : null;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/** Resolves once a Redis at host:port answers PING. */
export async function waitForRedis(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pingOnce(port)) return;
    if (Date.now() > deadline)
      throw new Error(`redis on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(1000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts a local redis-server. Persistent: an append-only file in `dir` keeps queued jobs across a restart
 * (fsync once a second; the outbox sweeper re-publishes any run whose job still got lost). Otherwise nothing is
 * written (tests).
 */
export async function startRedisServer(options: {
  binary: string;
  port: number;
  dir: string;
  persistent?: boolean;
}): Promise<RedisServer> {
  mkdirSync(options.dir, { recursive: true });
  const persistence = options.persistent
    ? ["--appendonly", "yes", "--appendfsync", "everysec"]
    : ["--appendonly", "no"];
  const args = [
    "--port",
    String(options.port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    ...persistence,
    "--dir",
    options.dir,
  ];
  const child = spawn(options.binary, args, { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const failed = new Promise<never>((_, reject) =>
    child.once("exit", (code) =>
      reject(
        new Error(`${options.binary} exited with code ${code} before answering on port ${options.port}`),
      ),
    ),
  );
  await Promise.race([waitForRedis(options.port), failed]);
  failed.catch(() => {});
  return {
    url: `redis://127.0.0.1:${options.port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
