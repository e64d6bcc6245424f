import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export * from "./generated/prisma/client";

/** A Prisma client over node-postgres (the wasm query engine: nothing native to download). */
export function createPrisma(url: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}

const cache = globalThis as unknown as { __rlhfPrisma?: PrismaClient };

/** The process-wide client for DATABASE_URL, created on first use (kept on globalThis across Next's hot reloads). */
export function db(): PrismaClient {
  if (cache.__rlhfPrisma) return cache.__rlhfPrisma;
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error(
      "DATABASE_URL is not set: start the platform with `npm start`, or point it at a PostgreSQL database",
    );
  return (cache.__rlhfPrisma = createPrisma(url));
}
