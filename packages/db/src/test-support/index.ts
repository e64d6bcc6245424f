// Helpers for test files running under the globalSetup in ./global-setup.ts (see packages/db/README.md).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import type { QueueBackend } from "@rlhf/shared/queue";
import { createPrisma, type PrismaClient } from "../index";
import { TEMPLATE_DATABASE, type ProvidedServices } from "./constants";

export type { ProvidedServices };

export function services(): ProvidedServices {
  return inject("rlhfServices");
}

export interface TestDatabase {
  name: string;
  url: string;
  prisma: PrismaClient;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: services().postgresAdminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, migrated, empty database cloned from the template (call in beforeAll; drop in afterAll). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`);
  const url = services().postgresAdminUrl.replace(/\/postgres$/, `/${name}`);
  const prisma = createPrisma(url);
  return {
    name,
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** The shared test Redis with a key prefix of its own, so test files never see each other's jobs. */
export function testQueueBackend(): QueueBackend & { kind: "redis" } {
  return { kind: "redis", url: services().redisUrl, prefix: `test-${randomBytes(4).toString("hex")}` };
}
