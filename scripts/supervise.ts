// Process plumbing for the platform: apps restarted with backoff when they crash, process groups stopped as a
// whole, and a state file that lets the next start find (and stop) whatever an earlier run left behind.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Log = (message: string) => void;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a process: `signal` to it (to its whole group with `group`, for tools whose workers must stop too), then
 * SIGKILL to its group after graceMs, and to whatever of its group outlived it. An app gets the signal alone, so
 * it shuts down in its own order (the trainer lets its run child write a checkpoint and exit by itself).
 */
export async function stopProcess(
  pid: number,
  signal: NodeJS.Signals,
  graceMs: number,
  group = false,
): Promise<void> {
  if (!(group ? send(-pid, signal) || send(pid, signal) : send(pid, signal))) return;
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  send(-pid, "SIGKILL");
  send(pid, "SIGKILL");
  while (alive(pid)) await sleep(50);
}

/**
 * `<dataDir>/platform-state.json`: the supervisor's pid and every process it started, written as each starts and
 * removed after a clean stop. A start that finds it with living processes stops them first.
 */
export class PlatformState {
  private readonly file: string;
  private readonly processes: Record<string, number> = {};

  constructor(dataDir: string) {
    this.file = join(dataDir, "platform-state.json");
  }

  record(name: string, pid: number | undefined): void {
    if (pid === undefined) return;
    this.processes[name] = pid;
    writeFileSync(this.file, JSON.stringify({ supervisor: process.pid, processes: this.processes }, null, 2));
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }

  /**
   * Stops what an earlier run left: its supervisor first (it stops its own services in order), then any of its
   * processes still alive (PostgreSQL with a fast shutdown, the rest with SIGTERM).
   */
  async stopLeftovers(log: Log): Promise<void> {
    if (!existsSync(this.file)) return;
    const earlier = JSON.parse(readFileSync(this.file, "utf8")) as {
      supervisor: number;
      processes: Record<string, number>;
    };
    if (earlier.supervisor !== process.pid && alive(earlier.supervisor)) {
      log(`an earlier start (pid ${earlier.supervisor}) is still running: stopping it first`);
      await stopProcess(earlier.supervisor, "SIGTERM", 30_000);
    }
    for (const [name, pid] of Object.entries(earlier.processes)) {
      if (!alive(pid)) continue;
      log(`found ${name} (pid ${pid}) left running by an earlier start: stopping it`);
      await stopProcess(pid, name === "postgres" ? "SIGINT" : "SIGTERM", 15_000);
    }
    this.clear();
  }
}

export interface SupervisedApp {
  readonly name: string;
  /** Stops the app (SIGTERM to its group, SIGKILL after graceMs) and cancels any pending restart. */
  stop(graceMs: number): Promise<void>;
}

/** Restart delays: 1 s doubling to 30 s; a run that lasted this long resets them. */
const BACKOFF_MS = { first: 1000, max: 30_000, stableAfter: 60_000 };

/**
 * Runs an app in a process group of its own and restarts it with exponential backoff when it exits on its own,
 * logging each crash and restart. `onStart` gets each new pid (for the state file).
 */
export function superviseApp(
  name: string,
  [command, ...args]: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; log: Log; onStart: (pid: number | undefined) => void },
): SupervisedApp {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  const launch = () => {
    const startedAt = Date.now();
    const current = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    child = current;
    options.onStart(current.pid);
    current.once("exit", (code, signal) => {
      if (stopping) return;
      if (Date.now() - startedAt >= BACKOFF_MS.stableAfter) restarts = 0;
      const delay = Math.min(BACKOFF_MS.first * 2 ** restarts, BACKOFF_MS.max);
      restarts++;
      options.log(
        `${name} exited unexpectedly (code ${code}, signal ${signal}); restarting in ${delay / 1000} s (restart ${restarts})`,
      );
      timer = setTimeout(launch, delay);
    });
  };
  launch();
  return {
    name,
    async stop(graceMs) {
      stopping = true;
      clearTimeout(timer);
      const pid = child?.pid;
      if (pid !== undefined && child?.exitCode === null && child.signalCode === null)
        await stopProcess(pid, "SIGTERM", graceMs);
    },
  };
}
