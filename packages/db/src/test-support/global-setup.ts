// vitest globalSetup: one real PostgreSQL and one real Redis per test run, on free ports, in a temp dir.
// A migrated template database lets each test file get a fresh database in milliseconds (createTestDatabase).
import type { TestProject } from "vitest/node";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findRedisServer,
  freePort,
  migrateDatabase,
  startEmbeddedPostgres,
  startRedisServer,
} from "../services";
import { REDIS_INSTALL_HINT } from "@rlhf/shared/queue";
import { TEMPLATE_DATABASE } from "./constants";

export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), "rlhf-test-"));
  // Run as root, PostgreSQL runs as a separate `postgres` user that must be able to enter this directory.
  chmodSync(root, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(root, "pg"),
    port: await freePort(),
    persistent: false,
    fast: true,
  });
  const stops: (() => Promise<void>)[] = [() => postgres.stop()];
  try {
    await postgres.ensureDatabase(TEMPLATE_DATABASE);
    await migrateDatabase(postgres.url(TEMPLATE_DATABASE));
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      const binary = findRedisServer();
      if (!binary) throw new Error(`tests need a real Redis: ${REDIS_INSTALL_HINT}`);
      const redis = await startRedisServer({ binary, port: await freePort(), dir: join(root, "redis") });
      stops.unshift(() => redis.stop());
      redisUrl = redis.url;
    }
    project.provide("rlhfServices", { postgresAdminUrl: postgres.url("postgres"), redisUrl, tempDir: root });
  } catch (error) {
    for (const stop of stops) await stop();
    throw error;
  }
  return async () => {
    for (const stop of stops) await stop();
    rmSync(root, { recursive: true, force: true });
  };
}
