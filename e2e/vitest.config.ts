import { defineConfig } from "vitest/config";

// Browser tests against a production build of the web app with real services (see global-setup.ts).
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["**/*.e2e.test.ts"],
    globalSetup: ["./global-setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
