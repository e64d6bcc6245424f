/**
 * The loop SFT, reward-model and DPO training share: epochs over a seeded shuffle of the examples, fixed-size
 * batches (the graphs have static shapes; a last partial batch of an epoch is dropped, as with drop_last), the
 * learning-rate schedule, evaluation, checkpoints in the engine's folder format, and exact resume: the batch order
 * is a pure function of (seed, epoch), so a run restarted from checkpoint-k replays steps k+1... bit for bit.
 * Metrics: `train/loss`, `train/lr`, `train/grad_norm`, the objective's own (namespaced ones such as
 * `rewards/margins` as they are, bare ones as `train/<name>`), and at evaluation `eval/loss` and `eval/<name>`.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { PostTrainRun } from "../config/posttrain.js";
import { createProgress } from "../cli/progress.js";
import type { TensorMap } from "../io/safetensors.js";
import type { ParamSpec } from "../models/parameters.js";
import {
  checkpointDir,
  latestCheckpoint,
  loadCheckpoint,
  markBestCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from "../train/checkpoint.js";
import { assertFiniteLoss } from "../train/monitors.js";
import { learningRateAt } from "../train/schedule.js";
import { type TrainerState, initialTrainerState } from "../train/state.js";
import { Rng } from "../util/rng.js";
import type { BaseModel, PostTrainCheckpointConfig } from "./model.js";
import type { BuildLoss } from "../train/step.js";
import { type Feeds, PolicyStepRunner } from "./policy-step.js";

export type Metrics = Record<string, number>;

export interface PostTrainJob<E> {
  kind: "sft" | "reward" | "dpo";
  run: PostTrainRun;
  /** the run's config as given, written to each checkpoint's config.json */
  config: unknown;
  base: BaseModel;
  /** starting weights: the base model's plus any new head */
  weights: TensorMap;
  extraParams?: ParamSpec[];
  buildLoss: BuildLoss;
  train: E[];
  validation: E[];
  /** exactly `run.batchSize` examples -> the graph's batch inputs */
  collate: (examples: E[]) => Feeds;
  onMetrics?: (step: number, metrics: Metrics) => void;
  /** print progress (CLI); off in tests */
  progress?: boolean;
}

export interface PostTrainResult {
  steps: number;
  finalDir: string;
  lastEval: Metrics | null;
  /** training losses of the steps this invocation ran */
  losses: number[];
}

export function trainSteps(run: PostTrainRun, trainExamples: number): { perEpoch: number; total: number } {
  const perEpoch = Math.floor(trainExamples / run.batchSize);
  if (perEpoch === 0)
    throw new Error(`data.train: ${trainExamples} examples do not fill one batch of ${run.batchSize}`);
  return { perEpoch, total: run.maxSteps ?? run.epochs * perEpoch };
}

/** The examples of update `step` (0-based): the batch order depends only on the seed and the epoch. */
function batchAt<E>(
  examples: E[],
  run: PostTrainRun,
  perEpoch: number,
  step: number,
  cache: { epoch: number; order: number[] },
): E[] {
  const epoch = Math.floor(step / perEpoch);
  if (cache.epoch !== epoch) {
    cache.epoch = epoch;
    cache.order = new Rng(run.seed + epoch).shuffle(examples.map((_, i) => i));
  }
  const start = (step % perEpoch) * run.batchSize;
  return cache.order.slice(start, start + run.batchSize).map((i) => examples[i]);
}

/** Mean loss and metrics over the validation examples, in batches (the last one wraps around to fill its rows). */
async function evaluate<E>(
  job: PostTrainJob<E>,
  runner: PolicyStepRunner,
  state: Feeds,
): Promise<Metrics | null> {
  const { validation, run } = job;
  if (validation.length === 0) return null;
  const batches = Math.ceil(validation.length / run.batchSize);
  const sums: Metrics = {};
  for (let b = 0; b < batches; b++) {
    const examples = Array.from(
      { length: run.batchSize },
      (_, i) => validation[(b * run.batchSize + i) % validation.length],
    );
    const r = await runner.evaluate(state, job.collate(examples));
    for (const [k, v] of Object.entries({ loss: r.loss, ...r.metrics }))
      sums[`eval/${k}`] = (sums[`eval/${k}`] ?? 0) + v / batches;
  }
  return sums;
}

function trainMetrics(loss: number, lr: number, gradNorm: number, metrics: Metrics): Metrics {
  const out: Metrics = { "train/loss": loss, "train/lr": lr, "train/grad_norm": gradNorm };
  for (const [k, v] of Object.entries(metrics)) out[k.includes("/") ? k : `train/${k}`] = v;
  return out;
}

export async function runPostTraining<E>(job: PostTrainJob<E>): Promise<PostTrainResult> {
  const { run } = job;
  const { perEpoch, total } = trainSteps(run, job.train.length);
  const runner = await PolicyStepRunner.create({
    model: job.base.model,
    extraParams: job.extraParams,
    optimizer: run.optimizer,
    buildLoss: job.buildLoss,
    runtime: run.runtime,
  });
  mkdirSync(run.outDir, { recursive: true });
  const resumeFrom = latestCheckpoint(run.outDir);
  let state: Feeds;
  let trainer: TrainerState;
  if (resumeFrom) {
    const ckpt = loadCheckpoint(resumeFrom.dir);
    state = runner.state(ckpt.weights, ckpt.optimizer);
    trainer = ckpt.trainerState;
  } else {
    state = runner.state(job.weights);
    trainer = initialTrainerState({ seed: run.seed, rng: new Rng(run.seed).state() });
  }
  const metricsLog = join(run.outDir, "metrics.jsonl");
  const log = (step: number, metrics: Metrics) => {
    appendFileSync(metricsLog, JSON.stringify({ step, ...metrics }) + "\n");
    job.onMetrics?.(step, metrics);
  };
  const save = (step: number) => {
    const { weights, optimizer } = runner.exportState(state);
    saveCheckpoint(checkpointDir(run.outDir, step), {
      weights,
      optimizer,
      config: {
        format: `rlhf-engine/${job.kind}`,
        model: job.base.model,
        run: job.config,
      } satisfies PostTrainCheckpointConfig,
      trainerState: trainer,
      tokenizerJson: job.base.tokenizer.toJSON(),
    });
    pruneCheckpoints(run.outDir, run.keepCheckpoints);
  };

  const progress = job.progress ? createProgress(job.kind, total) : null;
  const cache = { epoch: -1, order: [] as number[] };
  const losses: number[] = [];
  let lastEval: Metrics | null = null;
  const started = Date.now() - trainer.wallTimeSeconds * 1000;
  try {
    while (trainer.step < total) {
      const step = trainer.step;
      const lr = learningRateAt(step, { lr: run.learningRate, totalSteps: total, ...run.schedule });
      const result = await runner.step(
        state,
        job.collate(batchAt(job.train, run, perEpoch, step, cache)),
        lr,
        step + 1,
      );
      assertFiniteLoss(result.loss, step);
      state = result.next;
      losses.push(result.loss);
      const done = step + 1;
      trainer = {
        ...trainer,
        step: done,
        epoch: Math.floor(done / perEpoch),
        dataCursor: {
          seed: run.seed >>> 0,
          epoch: Math.floor(done / perEpoch),
          position: (done % perEpoch) * run.batchSize,
        },
        lossHistory: [...trainer.lossHistory, { step: done, loss: result.loss }].slice(-100),
        wallTimeSeconds: (Date.now() - started) / 1000,
      };
      if (done % run.logEvery === 0 || done === total)
        log(done, trainMetrics(result.loss, lr, result.gradNorm, result.metrics));
      if (done % run.evalEvery === 0 || done === total) {
        lastEval = await evaluate(job, runner, state);
        if (lastEval) {
          log(done, lastEval);
          const evalLoss = lastEval["eval/loss"];
          trainer.evalHistory = [...trainer.evalHistory, { step: done, loss: evalLoss }].slice(-100);
          if (trainer.bestEvalLoss === null || evalLoss < trainer.bestEvalLoss) {
            trainer.bestEvalLoss = evalLoss;
            trainer.bestStep = done;
          }
        }
      }
      if (done % run.saveEvery === 0 || done === total) {
        save(done);
        if (trainer.bestStep === done) markBestCheckpoint(run.outDir, done);
      }
      progress?.update(done, { loss: result.loss, lr });
    }
  } finally {
    progress?.stop();
    await runner.release();
  }
  return { steps: trainer.step, finalDir: checkpointDir(run.outDir, total), lastEval, losses };
}
