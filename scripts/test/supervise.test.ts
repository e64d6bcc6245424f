import { expect, it } from "vitest";
import { superviseApp } from "../supervise";

it("restarts a crashing app with growing delays, logs each crash, and stops restarting once stopped", async () => {
  const logs: string[] = [];
  const pids: (number | undefined)[] = [];
  const app = superviseApp("crashy", [process.execPath, "-e", "process.exit(3)"], {
    cwd: process.cwd(),
    env: process.env,
    log: (message) => logs.push(message),
    onStart: (pid) => pids.push(pid),
  });
  await new Promise((resolve) => setTimeout(resolve, 3800));
  await app.stop(1000);
  expect(logs.slice(0, 2)).toEqual([
    "crashy exited unexpectedly (code 3, signal null); restarting in 1 s (restart 1)",
    "crashy exited unexpectedly (code 3, signal null); restarting in 2 s (restart 2)",
  ]);
  expect(new Set(pids).size).toBe(pids.length);
  const started = pids.length;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(pids.length).toBe(started);
});
