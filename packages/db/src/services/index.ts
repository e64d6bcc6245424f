export { freePort } from "./ports";
export { startEmbeddedPostgres, type PostgresServer, type EmbeddedPostgresOptions } from "./postgres";
export { findRedisServer, startRedisServer, waitForRedis, type RedisServer } from "./redis";
export { migrateDatabase } from "./migrate";
