import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const dbPackageDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const migrationsDir = resolve(dbPackageDir, "../../prisma/migrations");

/**
 * Applies prisma/migrations to the database at `url` with `prisma migrate deploy` (offline wasm engine). Skips
 * the CLI when every migration folder is already recorded as applied: the wasm CLI lingers ~10 s before exiting.
 */
export async function migrateDatabase(url: string): Promise<void> {
  if (await allMigrationsApplied(url)) return;
  const prismaCli = resolve(
    dirname(createRequire(import.meta.url).resolve("prisma/package.json")),
    "build/index.js",
  );
  const output: string[] = [];
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, [prismaCli, "migrate", "deploy"], {
      cwd: dbPackageDir,
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk) => output.push(String(chunk)));
    child.stderr.on("data", (chunk) => output.push(String(chunk)));
    child.once("error", fail);
    child.once("exit", done);
  });
  if (code !== 0) throw new Error(`prisma migrate deploy failed (exit ${code}):\n${output.join("")}`);
}

async function allMigrationsApplied(url: string): Promise<boolean> {
  const wanted = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query(
      `SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS present`,
    );
    if (!table.rows[0].present) return false;
    const applied = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const done = new Set(applied.rows.map((row) => row.migration_name));
    return wanted.every((name) => done.has(name));
  } finally {
    await client.end();
  }
}
