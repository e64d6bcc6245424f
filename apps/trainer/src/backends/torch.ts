/**
 * The torch backend's launcher: runs a job of python/rlhf_torch under torchrun with the shape of the engine's runJob
 * (same callbacks, same JobResult), so a handler can pick either backend per run.
 *
 * Before anything starts it validates the torch options and the process count, and makes sure the Python environment
 * exists (scripts/python-env.sh, idempotent; a clear error when Python is missing). torchrun runs in its own process
 * group; its workers print JSON lines (python/rlhf_torch/events.py) that become onMetrics / onProgress / onLog, and
 * the last one is the result. Cancelling sends SIGTERM to the group: torchrun forwards it to the workers, which write a
 * checkpoint at the next step boundary and report `cancelled`. The same workDir again resumes.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { JobOptions, JobResult } from "@rlhf/engine";
import {
  TORCH_JOB_KINDS,
  TorchBackendOptionsSchema,
  type TorchBackendOptionsInput,
  type TorchJobKind,
} from "@rlhf/shared";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
/** stderr lines kept for the error message of a failed run. */
const STDERR_TAIL = 40;

export interface TorchJobOptions extends JobOptions {
  /** processes, precision, strategy; defaults from TorchBackendOptionsSchema */
  torch?: TorchBackendOptionsInput;
  /** The most processes a run may ask for (default RLHF_TORCH_MAX_PROCESSES, else this machine's CPU count). */
  maxProcesses?: number;
  /** Extra environment for scripts/python-env.sh and torchrun (CUDA_VISIBLE_DEVICES, RLHF_PYTHON_ENV, PATH...). */
  env?: Record<string, string>;
}

/** The torch backend's failures before a run starts: bad options, too many processes, no Python. */
export class TorchBackendError extends Error {
  constructor(message: string) {
    super(`torch backend: ${message}`);
    this.name = "TorchBackendError";
  }
}

function maxProcesses(options: TorchJobOptions): number {
  const fromEnv = Number(process.env.RLHF_TORCH_MAX_PROCESSES);
  return (
    options.maxProcesses ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism())
  );
}

/** The interpreter of the pinned environment, created on first use (about a minute from the local wheels). */
/**
 * Whether the torch backend can run here, checked once at start-up without building the environment (that takes a
 * minute and happens on the first torch run): null when python3 answers, else the reason.
 */
export function torchBackendUnavailable(env: NodeJS.ProcessEnv = process.env): string | null {
  const probe = spawnSync("python3", ["--version"], { env, encoding: "utf8" });
  if (probe.error || probe.status !== 0) return "python3 is not installed";
  return null;
}

export function ensurePythonEnv(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn("bash", [join(REPO, "scripts", "python-env.sh")], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => fail(new TorchBackendError(`cannot run scripts/python-env.sh: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0 && out.trim()) return done(out.trim());
      const reason = err.trim().split("\n").slice(-3).join(" ") || `exit status ${code}`;
      fail(
        new TorchBackendError(
          `no Python environment (${reason}); install Python 3.10+ and run \`bash scripts/python-env.sh\`, or use the engine backend`,
        ),
      );
    });
  });
}

interface WorkerLine {
  type: "metrics" | "progress" | "log" | "result";
  step?: number;
  totalSteps?: number;
  metrics?: Record<string, number>;
  level?: "info" | "warn" | "error";
  message?: string;
}

function parseLine(line: string): WorkerLine | null {
  if (!line.startsWith("{")) return null;
  try {
    const value = JSON.parse(line) as WorkerLine;
    return typeof value?.type === "string" ? value : null;
  } catch {
    return null;
  }
}

/**
 * Trains `kind` from `config` (the engine's config for that kind, inputs as file paths) in `options.workDir` with
 * the torch backend. Resolves like runJob; rejects with the worker's error (a bad config names its field) or, when
 * torchrun dies without one, its exit status and the end of its stderr.
 */
export async function runTorchJob(
  kind: TorchJobKind,
  config: unknown,
  options: TorchJobOptions,
): Promise<JobResult> {
  if (!TORCH_JOB_KINDS.includes(kind))
    throw new TorchBackendError(
      `run kind "${String(kind)}" is not one it trains (${TORCH_JOB_KINDS.join(", ")}); PPO runs on the engine`,
    );
  const parsed = TorchBackendOptionsSchema.safeParse(options.torch ?? {});
  if (!parsed.success)
    throw new TorchBackendError(
      `invalid options: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  const torch = parsed.data;
  const allowed = maxProcesses(options);
  if (torch.processes > allowed)
    throw new TorchBackendError(
      `processes ${torch.processes} is more than the ${allowed} allowed on this machine (RLHF_TORCH_MAX_PROCESSES)`,
    );
  const env = { ...process.env, ...options.env };
  const python = await ensurePythonEnv(env);

  const workDir = resolve(options.workDir);
  mkdirSync(workDir, { recursive: true });
  const jobFile = join(workDir, "torch-job.json");
  writeFileSync(
    jobFile,
    JSON.stringify(
      { kind, config, torch: { strategy: torch.strategy, precision: torch.precision } },
      null,
      2,
    ),
  );
  const args = ["-m", "torch.distributed.run", "--standalone", `--nproc_per_node=${torch.processes}`];
  args.push("-m", "rlhf_torch", "--job", jobFile, "--work-dir", workDir);
  const pythonPath = [join(REPO, "python"), env.PYTHONPATH].filter(Boolean).join(":");
  const child = spawn(python, args, {
    cwd: workDir,
    env: { ...env, PYTHONPATH: pythonPath },
    detached: true, // its own process group, so a cancel reaches torchrun and nothing else
    stdio: ["ignore", "pipe", "pipe"],
  });
  const cancel = () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
  };
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener("abort", cancel, { once: true });

  let result: JobResult | null = null;
  let lastError: string | null = null;
  const stderrTail: string[] = [];
  const stdoutDone = new Promise<void>((done) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const msg = parseLine(line);
      if (!msg) return options.onLog?.(line, "info");
      if (msg.type === "metrics") options.onMetrics?.(msg.step!, msg.metrics!);
      else if (msg.type === "progress") options.onProgress?.(msg.step!, msg.totalSteps!);
      else if (msg.type === "log") {
        if (msg.level === "error") lastError = msg.message!;
        options.onLog?.(msg.message!, msg.level ?? "info");
      } else if (msg.type === "result") result = msg as unknown as JobResult;
    });
    child.stdout.on("close", done);
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
  });
  const exit = await new Promise<{ code: number | null; signal: string | null }>((done, fail) => {
    child.on("error", (e) =>
      fail(new TorchBackendError(`cannot start torchrun with ${python}: ${e.message}`)),
    );
    child.on("close", (code, signal) => done({ code, signal }));
  });
  await stdoutDone;
  options.signal?.removeEventListener("abort", cancel);
  const finished = result as JobResult | null;
  if (finished) {
    const { status, step, totalSteps, finalCheckpoint, bestCheckpoint, lastEval } = finished;
    return { status, step, totalSteps, finalCheckpoint, bestCheckpoint, lastEval };
  }
  if (lastError) throw new Error(`torch backend ${kind} run failed: ${lastError}`);
  if (options.signal?.aborted)
    throw new Error(`torch backend ${kind} run was cancelled before its workers could write a checkpoint`);
  throw new Error(
    `torch backend ${kind} run ended without a result (exit ${exit.code ?? exit.signal}): ${stderrTail.join("\n")}`,
  );
}
