// Starts the real trainer (src/main.ts under tsx) as a separate process against the test services.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "@rlhf/db/services";
import type { QueueBackend } from "@rlhf/shared/queue";

// node --import tsx, not the tsx CLI: the CLI runs the script in a grandchild that a SIGKILL would not reach.
const TSX_LOADER = "tsx";
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export interface TrainerProcess {
  child: ChildProcess;
  healthUrl: string;
  output: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export async function startTrainer(
  databaseUrl: string,
  backend: QueueBackend,
  extraEnv: Record<string, string> = {},
): Promise<TrainerProcess> {
  const healthPort = await freePort();
  const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], {
    env: {
      ...process.env,
      LOG_LEVEL: "info",
      DATABASE_URL: databaseUrl,
      ...(backend.kind === "redis"
        ? { REDIS_URL: backend.url, QUEUE_PREFIX: backend.prefix ?? "", QUEUE_BACKEND: "" }
        : { REDIS_URL: "", QUEUE_BACKEND: "postgres" }),
      TRAINER_HEALTH_PORT: String(healthPort),
      // Short locks so that a killed trainer's job is reclaimed quickly.
      TRAINER_LOCK_MS: "2000",
      TRAINER_STALLED_CHECK_MS: "1000",
      OUTBOX_SWEEP_EVERY_MS: "500",
      OUTBOX_GRACE_MS: "0",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitFor(
    () => output.includes('"trainer ready"'),
    () => `trainer did not become ready:\n${output}`,
    30_000,
    exited,
  );
  return { child, healthUrl: `http://127.0.0.1:${healthPort}/health`, output: () => output, exited };
}

/** Polls until `condition` holds; fails with `describe()` after timeoutMs or when `abort` settles first. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  describe: () => string,
  timeoutMs = 30_000,
  abort?: Promise<unknown>,
): Promise<void> {
  let aborted = false;
  abort?.then(() => (aborted = true));
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (aborted || Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function stopTrainer(trainer: TrainerProcess): Promise<void> {
  if (trainer.child.exitCode === null && trainer.child.signalCode === null) trainer.child.kill("SIGTERM");
  await trainer.exited;
}
