import { defineConfig } from "vitest/config";

// Tests of `npm start` itself (real PostgreSQL, Redis and apps, started and stopped as a user would).
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
