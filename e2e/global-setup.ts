// Starts the whole platform as `npm start` does, but on free ports, in a temp dir, with a known demo password.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "@rlhf/db/services";
import { startPlatform } from "../scripts/platform";

export const E2E_PASSWORD = "e2e-demo-password";

declare module "vitest" {
  export interface ProvidedContext {
    webUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), "rlhf-e2e-"));
  chmodSync(dataDir, 0o755); // entered by the `postgres` user when run as root
  const platform = await startPlatform({
    dataDir,
    persistent: false,
    ports: {
      postgres: await freePort(),
      redis: await freePort(),
      web: await freePort(),
      trainerHealth: await freePort(),
    },
    nextAuthSecret: "e2e-only-secret",
    demoPassword: E2E_PASSWORD,
    log: (message) => console.log(`[e2e setup] ${message}`),
  });
  project.provide("webUrl", platform.webUrl);
  return async () => {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
