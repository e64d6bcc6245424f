import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["../../packages/db/src/test-support/global-setup.ts"],
    env: { LOG_LEVEL: "silent" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
