/**
 * The training harness: the one loop every job kind runs (pretraining, SFT, reward model, DPO, PPO). It owns what
 * every run needs, so an objective (a `TrainTask`) supplies only its data, its step graph and its metrics:
 *   - resume: the latest workDir/checkpoint-<step> restores weights, moments, step, RNG, data position and every
 *     monitor, so a resumed run continues bit for bit; metrics.jsonl is cut back to that step;
 *   - the learning-rate schedule, and per step `train/loss`, `train/grad_norm`, `train/lr`, `perf/tokens_per_s`,
 *     `grad_norm/<group>`, `update_ratio/<group>` plus the objective's own, to onMetrics and workDir/metrics.jsonl;
 *   - stops: a non-finite or corrupting update (config/harness.ts `divergence.maxUpdateRatio`) and a diverging loss
 *     reject with an error naming the step, before the update is applied or written; a loss spike skips its update;
 *   - evaluation every `evalEvery` steps and at the end, a checkpoint at every new best (workDir/best points at it)
 *     unless the loss is above the divergence line, early stopping;
 *   - checkpoints every `saveEvery` steps, at the end, on early stopping and on cancellation (AbortSignal, checked
 *     between steps); weights are verified finite before they are written.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MonitorConfig } from "../config/harness.js";
import type { JobKind } from "../config/jobs.js";
import type { TensorMap } from "../io/safetensors.js";
import type { JobOptions, JobResult, Metrics } from "../jobs/types.js";
import { Rng } from "../util/rng.js";
import {
  BEST_CHECKPOINT_NAME,
  type LoadedCheckpoint,
  checkpointDir,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  markBestCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from "./checkpoint.js";
import {
  DivergenceMonitor,
  EarlyStopping,
  LossSpikeDetector,
  NonFiniteLossError,
  gradientHealth,
} from "./monitors.js";
import { type LrSchedule, learningRateAt } from "./schedule.js";
import { type TrainerState, initialTrainerState } from "./state.js";

/** What one step (one optimizer update; one rollout-and-update iteration for PPO) reports. */
export interface StepOutcome {
  loss: number;
  gradNorm: number;
  /** per layer group, in `TrainTask.groups` order */
  groupGradNorms: Float32Array;
  updateRatios: Float32Array;
  /** the objective's own scalars, slash-namespaced, and `train/lr` */
  metrics: Metrics;
  /** tokens trained on, for perf/tokens_per_s */
  tokens: number;
}

export interface StepContext {
  /** dropout masks and masked-LM corruption draw from here; its state is saved in every checkpoint */
  rng: Rng;
  /** learning rate of optimizer update `update` (0-based, counted over the whole run) */
  lrAt: (update: number) => number;
}

/** An objective, as the harness drives it. `S` is its training state (weights and moments as ORT tensors). */
export interface TrainTask<S> {
  kind: JobKind;
  totalSteps: number;
  /** optimizer updates per step (PPO: ppoEpochs x miniBatches); the schedule spans totalSteps x this */
  updatesPerStep: number;
  /** steps one `run` call may take at once (pretraining's stepsPerRun); never across an eval or a save */
  stepsPerRun: number;
  groups: string[];
  /** whether the spike and divergence monitors watch the loss (PPO's surrogate loss has no scale to watch) */
  watchLoss: boolean;
  /** the state to train from: a fresh one, or the checkpoint's (which also gives the data position) */
  start(resume: LoadedCheckpoint | null): S;
  /** runs `count` steps from `step`; returns each step's outcome and the state after the last (not yet adopted) */
  run(state: S, step: number, count: number, ctx: StepContext): Promise<{ steps: StepOutcome[]; next: S }>;
  /** `eval/loss` and the objective's eval metrics, means over the real validation examples; null: no validation */
  evaluate: ((state: S) => Promise<Metrics>) | null;
  exportState(state: S): { weights: TensorMap; optimizer: TensorMap };
  /** what trainer_state.json records about the data and the objective after `step` steps */
  progress(step: number): Pick<TrainerState, "dataCursor" | "epoch" | "objective">;
  /** config.json content (the engine's metadata), tokenizer and optional inference model of a checkpoint */
  checkpointFiles(weights: TensorMap): { config: unknown; tokenizerJson?: string; onnxModel?: Uint8Array };
  release(): Promise<void>;
}

export interface HarnessSettings extends MonitorConfig {
  schedule: Omit<LrSchedule, "totalSteps">;
  evalEvery: number;
  saveEvery: number;
  keepCheckpoints: number;
  /** health checks (vanishing / exploding gradients, update ratios) every this many steps */
  logEvery: number;
  seed: number;
}

/** A run stopped because its loss diverged or an update would have corrupted the weights. */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    detail: string,
    lastGood: string | null,
  ) {
    super(
      `training diverged at step ${step}: ${detail}. Stopped before this update was applied; ` +
        `${lastGood ? `the last good checkpoint is ${lastGood}` : "no checkpoint was written before it"}. ` +
        `Usual causes: a learning rate too high for the model, missing warmup, or bad input data.`,
    );
    this.name = "DivergenceError";
  }
}

export const METRICS_FILE = "metrics.jsonl";

export async function runHarness<S>(
  task: TrainTask<S>,
  settings: HarnessSettings,
  options: JobOptions,
): Promise<JobResult> {
  const { workDir } = options;
  const log = options.onLog ?? (() => {});
  const total = task.totalSteps;
  mkdirSync(workDir, { recursive: true });

  // Resume from the latest checkpoint, or start fresh.
  const latest = latestCheckpoint(workDir);
  const resume = latest ? loadCheckpoint(latest.dir) : null;
  let ts: TrainerState =
    resume?.trainerState ??
    initialTrainerState({ seed: settings.seed, rng: new Rng((settings.seed ^ 0x2545f491) >>> 0).state() });
  let state = task.start(resume);
  if (resume) log(`resuming from ${resume.dir} at step ${ts.step} of ${total}`, "info");
  if (!task.evaluate)
    log(
      `${task.kind}: no validation data, so no evaluation, no best checkpoint and no early stopping`,
      "warn",
    );
  const metricsFile = join(workDir, METRICS_FILE);
  truncateMetrics(metricsFile, ts.step);
  const record = (step: number, metrics: Metrics) => {
    appendFileSync(metricsFile, JSON.stringify({ step, ...metrics }) + "\n");
    options.onMetrics?.(step, metrics);
  };

  const rng = Rng.fromState(ts.rng);
  const spikes = new LossSpikeDetector(
    {
      window: settings.lossSpike.window,
      zThreshold: settings.lossSpike.zThreshold,
      minHistory: Math.min(20, settings.lossSpike.window),
    },
    ts.spikeDetector,
  );
  const early = new EarlyStopping(settings.earlyStopping, ts.earlyStopping);
  const divergence = new DivergenceMonitor(settings.divergence, ts.divergence);
  const totalUpdates = total * task.updatesPerStep;
  const lrAt = (update: number) =>
    learningRateAt(update, {
      ...settings.schedule,
      warmupSteps: Math.min(settings.schedule.warmupSteps, totalUpdates),
      totalSteps: totalUpdates,
    });

  let lastSaved: string | null = latest?.dir ?? null;
  // Checkpoint k holds the weights whose loss step k + 1 measures: it is good once that loss is below the
  // divergence line. A diverged run points back to the newest good one, and pruning never removes it.
  type Saved = { step: number; dir: string };
  const saved: { lastGood: Saved | null; unconfirmed: Saved | null } = {
    lastGood: resume && ts.divergence.strikes === 0 ? { step: ts.step, dir: resume.dir } : null,
    unconfirmed: null,
  };
  const save = (step: number, best: boolean) => {
    const { weights, optimizer } = task.exportState(state);
    for (const [name, t] of Object.entries(weights))
      if (!(t.data as Float32Array).every(Number.isFinite))
        throw new DivergenceError(
          step,
          `weight ${name} holds non-finite values`,
          saved.lastGood?.dir ?? null,
        );
    ts = {
      ...ts,
      ...task.progress(step),
      step,
      rng: rng.state(),
      spikeDetector: spikes.state(),
      earlyStopping: early.state(),
      divergence: divergence.state(),
    };
    const dir = checkpointDir(workDir, step);
    saveCheckpoint(dir, { weights, optimizer, trainerState: ts, ...task.checkpointFiles(weights) });
    if (best) markBestCheckpoint(workDir, step);
    if (task.watchLoss) saved.unconfirmed = { step, dir };
    else saved.lastGood = { step, dir };
    const sinceGood = saved.lastGood
      ? listCheckpoints(workDir).filter((c) => c.step >= saved.lastGood!.step).length
      : 0;
    pruneCheckpoints(workDir, Math.max(settings.keepCheckpoints, sinceGood));
    lastSaved = dir;
    log(`checkpoint ${dir}${best ? " (best)" : ""}`, "info");
  };

  // Evaluations and checkpoints happen between run calls, so a multi-step run never spans one.
  const boundary = (s: number) => s % settings.evalEvery === 0 || s % settings.saveEvery === 0;
  const runLength = (from: number) => {
    const K = task.stepsPerRun;
    if (K === 1 || from + K > total) return 1;
    for (let s = from + 1; s < from + K; s++) if (boundary(s)) return 1;
    return K;
  };

  // A run that stopped early stays stopped: running it again returns its result instead of training on.
  let status: JobResult["status"] =
    ts.earlyStopping.evalsWithoutImprovement >= settings.earlyStopping.patience
      ? "early_stopped"
      : "completed";
  let lastEval: Metrics | null = null;
  const started = performance.now() - ts.wallTimeSeconds * 1000;
  let step = ts.step;
  try {
    while (step < total && status === "completed") {
      if (options.signal?.aborted) {
        status = "cancelled";
        break;
      }
      const count = runLength(step);
      const t0 = performance.now();
      const { steps: outcomes, next } = await task.run(state, step, count, { rng, lrAt });
      const seconds = (performance.now() - t0) / 1000 / count;

      let skip = false;
      for (const [k, r] of outcomes.entries()) {
        const done = step + k + 1;
        refuseCorruptUpdate(task, settings, r, done, saved.lastGood?.dir ?? null);
        if (task.watchLoss) {
          const spike = spikes.observe(r.loss);
          // Inside a multi-step run the update is already applied: a spike there is reported, not skipped.
          skip = spike.isSpike && settings.lossSpike.skipUpdate && count === 1;
          if (spike.isSpike) {
            log(
              `step ${done}: loss ${r.loss.toFixed(4)} is a spike (z ${spike.z.toFixed(1)})${skip ? ", update skipped" : ""}`,
              "warn",
            );
            if (skip) ts = { ...ts, skippedSteps: ts.skippedSteps + 1 };
          }
          const verdict = divergence.observe(r.loss);
          if (!verdict.above && saved.unconfirmed?.step === done - 1) saved.lastGood = saved.unconfirmed;
          if (verdict.above || saved.unconfirmed?.step === done - 1) saved.unconfirmed = null;
          if (verdict.diverged)
            throw new DivergenceError(
              done,
              `the training loss stayed above ${settings.divergence.factor} x the first step's loss ` +
                `(${divergence.threshold.toPrecision(4)}) for ${settings.divergence.patience} steps, now ${r.loss.toPrecision(4)}`,
              saved.lastGood?.dir ?? null,
            );
        }
        const metrics: Metrics = {
          "train/loss": r.loss,
          "train/grad_norm": r.gradNorm,
          ...r.metrics,
          "perf/tokens_per_s": r.tokens / seconds,
          ...groupMetrics(task.groups, r),
        };
        if (skip) metrics["train/skipped_update"] = 1;
        if (done % settings.logEvery === 0 || done === 1) {
          // A zero learning rate (the end of a linear decay) moves nothing: a low ratio there is no finding.
          const ratios = (metrics["train/lr"] ?? 1) > 0 ? r.updateRatios : new Float32Array(0);
          for (const f of healthFlags(task.groups, r.groupGradNorms, ratios))
            log(`step ${done}: ${f}`, "warn");
        }
        ts = {
          ...ts,
          tokensSeen: ts.tokensSeen + r.tokens,
          lossHistory: [...ts.lossHistory, { step: done, loss: r.loss }].slice(-HISTORY_KEPT),
        };
        record(done, metrics);
      }
      if (!skip) state = next;
      step += count;
      ts = { ...ts, ...task.progress(step), step, wallTimeSeconds: (performance.now() - started) / 1000 };

      let best = false;
      if (task.evaluate && (step % settings.evalEvery === 0 || step === total)) {
        lastEval = await task.evaluate(state);
        record(step, lastEval);
        const evalLoss = lastEval["eval/loss"];
        const verdict = early.observe(evalLoss);
        // A model whose training loss is above the divergence line is never the best one, whatever it scores.
        best = verdict.improved && divergence.state().strikes === 0 && !(evalLoss > divergence.threshold);
        ts = { ...ts, evalHistory: [...ts.evalHistory, { step, loss: evalLoss }].slice(-HISTORY_KEPT) };
        if (best) ts = { ...ts, bestEvalLoss: evalLoss, bestStep: step };
        if (verdict.shouldStop) {
          status = "early_stopped";
          log(
            `early stopping at step ${step}: no eval improvement in ${settings.earlyStopping.patience} evaluations`,
            "info",
          );
        }
      }
      if (best || status === "early_stopped" || step % settings.saveEvery === 0 || step === total)
        save(step, best);
      options.onProgress?.(step, total);
      if (status === "early_stopped") break;
    }
    if (status === "cancelled" && lastSaved !== checkpointDir(workDir, step)) save(step, false);
    if (!lastSaved) save(step, false); // resumed at the end with no step checkpoint left: write one
  } finally {
    await task.release();
  }
  const bestDir = join(workDir, BEST_CHECKPOINT_NAME);
  return {
    status,
    step,
    totalSteps: total,
    finalCheckpoint: lastSaved!,
    bestCheckpoint: existsSync(bestDir) ? bestDir : null,
    lastEval,
  };
}

const HISTORY_KEPT = 200;

/** Refuses a step whose loss, gradient or update is not finite, or whose update would swamp a group's weights. */
function refuseCorruptUpdate<S>(
  task: TrainTask<S>,
  settings: HarnessSettings,
  r: StepOutcome,
  step: number,
  lastGood: string | null,
): void {
  if (!Number.isFinite(r.loss)) throw new NonFiniteLossError(step, r.loss);
  if (!Number.isFinite(r.gradNorm))
    throw new DivergenceError(step, `the gradient norm is ${r.gradNorm}`, lastGood);
  const limit = settings.divergence.maxUpdateRatio;
  task.groups.forEach((group, i) => {
    const ratio = r.updateRatios[i];
    if (!(ratio <= limit))
      throw new DivergenceError(
        step,
        `the update would move ${group} by ${ratio.toPrecision(3)} x its own norm (limit ${limit})`,
        lastGood,
      );
  });
}

const metricName = (group: string) => group.replace(/\s+/g, "_");

function groupMetrics(groups: string[], r: StepOutcome): Metrics {
  const out: Metrics = {};
  groups.forEach((group, i) => {
    out[`grad_norm/${metricName(group)}`] = r.groupGradNorms[i];
    out[`update_ratio/${metricName(group)}`] = r.updateRatios[i];
  });
  return out;
}

function healthFlags(groups: string[], gradNorms: Float32Array, ratios: Float32Array): string[] {
  const pick = (values: Float32Array) =>
    Object.fromEntries(groups.flatMap((g, i) => (i < values.length ? [[g, values[i]]] : [])));
  return gradientHealth({ perLayerGradNorms: pick(gradNorms), updateRatios: pick(ratios) }).flags.map(
    (f) => `${f.layer} ${f.kind.replace(/_/g, " ")} (${f.value.toExponential(2)})`,
  );
}

/** Drops the lines a crashed or cancelled attempt wrote after the checkpoint the run resumes from. */
function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line && (JSON.parse(line) as { step: number }).step <= step);
  writeFileSync(file, kept.map((l) => l + "\n").join(""));
}
