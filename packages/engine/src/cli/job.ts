/**
 * What every training command shares: it calls runJob with the run folder as workDir, shows progress (a live bar
 * on a terminal, plain periodic lines otherwise), prints the harness's warnings as they come and a summary at the
 * end. Running the same command again with the same folder resumes. A diverged run rejects, so the CLI exits 1.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { JobKind } from "../config/jobs.js";
import { type JobResult, type Metrics, runJob } from "../jobs/index.js";
import { type Progress, createProgress } from "./progress.js";

export function readConfigFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`--config ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const SHOWN = ["train/loss", "eval/loss", "objective/scores", "objective/kl", "perf/tokens_per_s"];

/** Runs the job; `maxSteps` stops this session after that many steps (with a checkpoint), to continue later. */
export async function runJobFromCli(
  kind: JobKind,
  config: unknown,
  workDir: string,
  maxSteps?: number,
): Promise<JobResult> {
  const controller = new AbortController();
  const last: Metrics = {};
  const bar: { progress: Progress | null } = { progress: null };
  const started = Date.now();
  try {
    const result = await runJob(kind, config, {
      workDir: resolve(workDir),
      signal: controller.signal,
      onMetrics: (_step, m) => Object.assign(last, m),
      onProgress: (step, total) => {
        const progress = (bar.progress ??= createProgress(kind, total));
        const fields = Object.fromEntries(
          SHOWN.filter((k) => k in last).map((k) => [k.split("/")[1], last[k]]),
        );
        progress.update(step, fields);
        if (maxSteps !== undefined && step >= maxSteps) controller.abort();
      },
      onLog: (message, level) => process.stderr.write(`${bar.progress ? "\n" : ""}${level}: ${message}\n`),
    });
    bar.progress?.stop();
    const shown = Object.entries(last).filter(([k]) => !/^(grad_norm|update_ratio)\//.test(k));
    console.log(
      [
        ...shown.map(([k, v]) => `${k.padEnd(28)} ${Number.isInteger(v) ? v : v.toPrecision(5)}`),
        `${"status".padEnd(28)} ${result.status} at step ${result.step} of ${result.totalSteps}`,
        `${"wall time".padEnd(28)} ${((Date.now() - started) / 1000).toFixed(1)} s`,
        `${"final checkpoint".padEnd(28)} ${result.finalCheckpoint}`,
        `${"best checkpoint".padEnd(28)} ${result.bestCheckpoint ?? "- (no evaluation ran)"}`,
      ].join("\n"),
    );
    return result;
  } finally {
    bar.progress?.stop();
  }
}
