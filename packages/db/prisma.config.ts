// Prisma 6.19's CLI config: offline migrations through the wasm ("js") schema engine and the pg driver
// adapter, so no native engine is ever downloaded (Prisma 7's migrate needs one and fails offline).
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

// Without a DATABASE_URL Prisma falls back to the native engine and tries to download it; `prisma generate`
// needs no database, so any well-formed URL keeps it offline.
process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/rlhf";

// Shim 1: adapter-pg 6.19 rejects the catalog column types `name` (oid 19) and `"char"` (oid 18) that the
// migration engine's introspection reads; they are plain text to it.
const TEXT_OID = 25;
const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
type FieldsResult = { fields?: { dataTypeID: number }[] } | undefined;
const reportCatalogTypesAsText = (res: FieldsResult) => {
  for (const field of res?.fields ?? [])
    if (field.dataTypeID === 19 || field.dataTypeID === 18) field.dataTypeID = TEXT_OID;
  return res;
};
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const last = args[args.length - 1];
  if (typeof last === "function") {
    args[args.length - 1] = (err: unknown, res: FieldsResult) =>
      last(err, err ? res : reportCatalogTypesAsText(res));
  }
  const result = originalQuery.apply(this, args);
  return result instanceof Promise ? result.then(reportCatalogTypesAsText) : result;
};

// Discrete fields, not a connection string: a connection string would override the shadow database's name.
function pgConfig() {
  const url = new URL(process.env.DATABASE_URL!);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    allowExitOnIdle: true,
    idleTimeoutMillis: 200,
  };
}

// Shim 2: adapter-pg drops the shadow database (used by `migrate dev`) while its pool is still open; drop it
// WITH (FORCE) after the pool has closed instead.
class OfflineMigrationAdapter extends PrismaPg {
  async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_shadow_${Date.now()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...pgConfig(), database }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.dispose();
    };
    return shadow;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "../../prisma/schema.prisma",
  migrations: { path: "../../prisma/migrations" },
  async adapter() {
    return new OfflineMigrationAdapter(pgConfig());
  },
});
