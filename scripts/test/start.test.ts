// `npm start` stopped by SIGINT to its process group (what Ctrl-C in a terminal sends) at several moments of its
// start-up must leave no process and no port behind; a start that finds services left by an earlier one must say
// so and stop them.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "@rlhf/db/services";
import { ROOT } from "../platform";

interface Start {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), "rlhf-start-"));
  chmodSync(dataDir, 0o755); // entered by the `postgres` user when run as root
  dirs.push(dataDir);
  const ports = {
    PG_PORT: await freePort(),
    REDIS_PORT: await freePort(),
    PORT: await freePort(),
    TRAINER_HEALTH_PORT: await freePort(),
  };
  return { dataDir, ports, marker: randomUUID() };
}

function npmStart(
  setupInfo: Awaited<ReturnType<typeof setup>>,
  extraEnv: Record<string, string> = {},
): Start {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RLHF_DATA_DIR: setupInfo.dataDir,
    RLHF_TEST_MARKER: setupInfo.marker,
    ...extraEnv,
  };
  for (const [name, port] of Object.entries(setupInfo.ports)) env[name] = String(port);
  for (const name of ["DATABASE_URL", "REDIS_URL", "QUEUE_BACKEND", "ARTIFACTS_DIR"]) delete env[name];
  // A process group of its own, as a terminal gives a foreground job.
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(start: Start, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!start.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`"${text}" never appeared:\n${start.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Processes whose environment carries the marker or whose command line names the data folder. */
function processesOf(setupInfo: { dataDir: string; marker: string }): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (environ.includes(setupInfo.marker) || cmdline.includes(setupInfo.dataDir))
        found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone in the meantime, or not ours to read
    }
  }
  return found;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

async function expectNothingLeft(setupInfo: Awaited<ReturnType<typeof setup>>, start: Start) {
  const code = await Promise.race([
    start.exited,
    new Promise((resolve) => setTimeout(() => resolve("timeout"), 90_000)),
  ]);
  expect(code, start.output()).not.toBe("timeout");
  expect(processesOf(setupInfo), start.output()).toEqual([]);
  for (const port of Object.values(setupInfo.ports)) expect(await portFree(port), `port ${port}`).toBe(true);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm start stopped during start-up", () => {
  const moments: { name: string; after: string; env: Record<string, string> }[] = [
    { name: "at once", after: "", env: {} },
    { name: "once PostgreSQL is up", after: "postgres (embedded) on port", env: {} },
    { name: "once Redis is up", after: "on port", env: {} },
    { name: "once the migrations are applied", after: "migrations applied", env: {} },
    { name: "during next build", after: "building the web app", env: { RLHF_WEB_BUILD: "always" } },
  ];
  for (const moment of moments)
    it(`leaves no process and no port behind when stopped ${moment.name}`, async () => {
      const info = await setup();
      const start = npmStart(info, moment.env);
      if (moment.after) await waitForOutput(start, moment.after);
      else await new Promise((resolve) => setTimeout(resolve, 300));
      // A moment inside the step, not just at its edge.
      await new Promise((resolve) =>
        setTimeout(resolve, moment.after === "building the web app" ? 2000 : 100),
      );
      process.kill(-start.child.pid!, "SIGINT");
      await expectNothingLeft(info, start);
      if (moment.after) expect(start.output()).toContain("stopped during start-up");
    });
});

it("stops what a killed earlier start left running, saying so, before starting again", async () => {
  const info = await setup();
  const first = npmStart(info);
  await waitForOutput(first, "migrations applied");
  // The supervisor dies without stopping anything. PostgreSQL (detached) is always left serving its port; Redis is
  // left too unless the kill of the process group reached it.
  const state = JSON.parse(readFileSync(join(info.dataDir, "platform-state.json"), "utf8")) as {
    supervisor: number;
    processes: Record<string, number>;
  };
  process.kill(-first.child.pid!, "SIGKILL");
  process.kill(state.supervisor, "SIGKILL");
  await first.exited;
  expect(await portFree(info.ports.PG_PORT)).toBe(false);
  const leftOver = Object.entries(state.processes).filter(([, pid]) => alive(pid));
  expect(leftOver.map(([name]) => name)).toContain("postgres");

  const second = npmStart(info);
  await waitForOutput(second, "migrations applied");
  // PostgreSQL is named and stopped; whatever else was left (Redis) is stopped too, by name or with the earlier
  // start's process group, which the second start ends first when its supervisor is not yet gone.
  expect(second.output()).toMatch(
    new RegExp(
      `found postgres \\(pid ${state.processes.postgres}\\) left running by an earlier start: stopping it`,
    ),
  );
  for (const [name, pid] of leftOver)
    expect(alive(pid), `${name} (pid ${pid}) of the earlier start`).toBe(false);
  process.kill(-second.child.pid!, "SIGINT");
  await expectNothingLeft(info, second);
});
