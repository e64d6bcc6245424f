/**
 * Pretraining: the loop around StepRunner with the craft a run needs. Batches from token shards (train/validation
 * split, gradient accumulation), the learning-rate schedule, evaluation every N steps with a best-validation
 * checkpoint and early stopping, loss-spike detection that can drop an update, a clear stop on a NaN/Inf loss
 * (the last good checkpoint stays), per-layer gradient norms and update ratios with vanishing/exploding flags,
 * checkpoints that resume bit for bit (weights, moments, step, RNG, data cursor, monitor state).
 */
import { type ModelConfig } from "../config/model.js";
import { type PretrainConfig, type PretrainConfigInput, PretrainConfigSchema } from "../config/pretrain.js";
import { parseConfig } from "../config/posttrain.js";
import { unigramBaselineLoss } from "../eval/language.js";
import { exportInferenceModel } from "../generate/export.js";
import { readShard } from "../io/shards.js";
import { initParameters } from "../models/parameters.js";
import { type ObjectiveBatch, causalLmBatch, maskedLmBatch } from "../objectives/pretraining.js";
import { Rng } from "../util/rng.js";
import { type Batch, TokenBatches, splitMicroBatches } from "./batches.js";
import {
  checkpointDir,
  latestCheckpoint,
  loadCheckpoint,
  markBestCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from "./checkpoint.js";
import { EarlyStopping, LossSpikeDetector, NonFiniteLossError, gradientHealth } from "./monitors.js";
import { learningRateAt } from "./schedule.js";
import { type TrainerState, initialTrainerState } from "./state.js";
import { type PreparedStep, type StepResult, StepRunner, type TrainState } from "./stepRunner.js";

export type Metrics = Record<string, number>;

/** Where the tokens come from: shard files (saved in config.json, so `resume` finds them) or an array. */
export type PretrainData = { shards: string[] } | { tokens: ArrayLike<number> };

export interface PretrainOptions {
  config: PretrainConfigInput;
  data: PretrainData;
  outDir: string;
  /** saved as tokenizer.json in every checkpoint */
  tokenizerJson?: string;
  onMetrics?: (step: number, metrics: Metrics) => void;
  /** human-readable notes: gradient-health flags, skipped spikes, checkpoints */
  onEvent?: (message: string) => void;
  /** Stop after this many updates (with a checkpoint there), to continue later with resumePretraining. */
  haltAfterStep?: number;
}

export interface PretrainResult {
  step: number;
  lastLoss: number;
  bestEvalLoss: number | null;
  bestStep: number | null;
  stoppedEarly: boolean;
  /** loss of predicting validation tokens by their training frequency: a run must beat it to have learned anything */
  unigramBaselineLoss: number | null;
  skippedSteps: number;
  outDir: string;
}

/** config.json of a pretraining checkpoint: the resolved model (for readers) and what `resume` needs. */
export interface PretrainCheckpointConfig {
  format: "rlhf-engine/pretrain";
  model: ModelConfig;
  run: PretrainConfigInput;
  data: { shards: string[] } | null;
}

const HISTORY_KEPT = 200;

function loadBatches(
  data: PretrainData,
  cfg: PretrainConfig,
  cursor?: TrainerState["dataCursor"],
): TokenBatches {
  const options = {
    seqLen: cfg.model.contextLength,
    vocabSize: cfg.model.vocabSize,
    validationFraction: cfg.validationFraction,
    seed: cfg.seed,
  };
  return "shards" in data
    ? TokenBatches.fromShards(data.shards, options, cursor)
    : TokenBatches.fromTokens(data.tokens, options, cursor);
}

function allTokens(data: PretrainData): ArrayLike<number>[] {
  return "shards" in data ? data.shards.map((p) => readShard(p).tokens) : [data.tokens];
}

/** grad_norm/<group> and update_ratio/<group> metrics; vanishing, exploding and odd update ratios reported. */
function layerMetrics(
  groups: string[],
  r: Omit<StepResult, "next">,
  step: number,
  emit: (m: string) => void,
): Metrics {
  const metrics: Metrics = {};
  const perLayerGradNorms: Record<string, number> = {};
  const updateRatios: Record<string, number> = {};
  groups.forEach((group, i) => {
    perLayerGradNorms[group] = r.groupGradNorms[i];
    updateRatios[group] = r.updateRatios[i];
    metrics[`grad_norm/${group.replace(/\s+/g, "_")}`] = r.groupGradNorms[i];
    metrics[`update_ratio/${group.replace(/\s+/g, "_")}`] = r.updateRatios[i];
  });
  for (const f of gradientHealth({ perLayerGradNorms, updateRatios }).flags)
    emit(`step ${step}: ${f.layer} ${f.kind.replace(/_/g, " ")} (${f.value.toExponential(2)})`);
  return metrics;
}

export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  return runPretraining(options, null);
}

/** Continues the run in `outDir` from its latest checkpoint, exactly where it stopped. */
export async function resumePretraining(
  outDir: string,
  options: Omit<PretrainOptions, "config" | "data" | "outDir"> & { data?: PretrainData } = {},
): Promise<PretrainResult> {
  const latest = latestCheckpoint(outDir);
  if (!latest) throw new Error(`resume: no checkpoint-<step> folder in ${outDir}`);
  const ckpt = loadCheckpoint(latest.dir);
  const saved = ckpt.config as PretrainCheckpointConfig;
  if (saved?.format !== "rlhf-engine/pretrain")
    throw new Error(`resume: ${latest.dir}/config.json is not a pretraining checkpoint`);
  const data = options.data ?? saved.data;
  if (!data) throw new Error("resume: the run was trained from in-memory tokens; pass the same data again");
  return runPretraining(
    {
      ...options,
      config: saved.run,
      data,
      outDir,
      tokenizerJson: options.tokenizerJson ?? ckpt.tokenizerJson,
    },
    ckpt,
  );
}

async function runPretraining(
  options: PretrainOptions,
  resumeFrom: ReturnType<typeof loadCheckpoint> | null,
): Promise<PretrainResult> {
  const cfg = parseConfig(PretrainConfigSchema, options.config, "pretrain config");
  const model = cfg.model;
  if (cfg.stepsPerRun > 1 && cfg.microBatches > 1)
    throw new Error("pretrain config: stepsPerRun > 1 needs microBatches 1");
  if (cfg.batchSize % cfg.microBatches !== 0)
    throw new Error(
      `pretrain config: batchSize ${cfg.batchSize} is not a multiple of microBatches ${cfg.microBatches}`,
    );
  if (cfg.objective === "masked_lm" && model.attention !== "bidirectional")
    throw new Error('pretrain config: objective masked_lm needs model.attention "bidirectional"');
  const maskTokenId = cfg.maskTokenId ?? model.vocabSize - 1;
  const emit = options.onEvent ?? (() => {});

  let ts: TrainerState =
    resumeFrom?.trainerState ??
    initialTrainerState({ seed: cfg.seed, rng: new Rng((cfg.seed ^ 0x2545f491) >>> 0).state() });
  const batches = loadBatches(options.data, cfg, ts.dataCursor);
  const runner = await StepRunner.create({
    model,
    objective: cfg.objective,
    batchSize: cfg.batchSize / cfg.microBatches,
    optimizer: cfg.optimizer,
    microBatches: cfg.microBatches,
    stepsPerRun: cfg.stepsPerRun,
    runtime: cfg.runtime,
  });
  try {
    let state: TrainState = resumeFrom
      ? runner.importState(resumeFrom.weights, resumeFrom.optimizer)
      : runner.initialState(initParameters(model, new Rng(cfg.seed)));
    // One stream of randomness for dropout masks and masked-LM corruption, saved in every checkpoint.
    const rng = Rng.fromState(ts.rng);
    const spikes = new LossSpikeDetector(
      {
        window: cfg.lossSpike.window,
        zThreshold: cfg.lossSpike.zThreshold,
        minHistory: Math.min(20, cfg.lossSpike.window),
      },
      ts.spikeDetector,
    );
    const early = new EarlyStopping(cfg.earlyStopping, ts.earlyStopping);
    const checkpointConfig: PretrainCheckpointConfig = {
      format: "rlhf-engine/pretrain",
      model,
      run: options.config,
      data: "shards" in options.data ? { shards: options.data.shards } : null,
    };
    const toObjective = (b: Batch, r: Rng): ObjectiveBatch =>
      cfg.objective === "causal_lm"
        ? causalLmBatch(b)
        : maskedLmBatch(b, r, {
            vocabSize: model.vocabSize,
            maskTokenId,
            maskProbability: cfg.maskProbability,
          });

    const evaluate = async (): Promise<number | null> => {
      // Masked-LM corruption of validation batches is drawn from a fixed seed: every evaluation sees the same task.
      const evalRng = new Rng((cfg.seed + 1) >>> 0);
      const rows = cfg.batchSize / cfg.microBatches;
      let sum = 0;
      let n = 0;
      for (const b of batches.validationBatches(rows)) {
        if (b.batchSize !== rows || n >= cfg.evalBatches) break; // the eval graph has a static batch size
        sum += await runner.evalLoss(state, toObjective(b, evalRng));
        n++;
      }
      return n ? sum / n : null;
    };

    const save = async (stepDone: number) => {
      const { weights, optimizer } = runner.exportState(state);
      ts = {
        ...ts,
        step: stepDone,
        rng: rng.state(),
        dataCursor: batches.cursor(),
        spikeDetector: spikes.state(),
        earlyStopping: early.state(),
      };
      const weightsData = Object.fromEntries(
        Object.entries(weights).map(([k, t]) => [k, t.data as Float32Array]),
      );
      saveCheckpoint(checkpointDir(options.outDir, stepDone), {
        weights,
        optimizer,
        config: checkpointConfig,
        trainerState: ts,
        tokenizerJson: options.tokenizerJson,
        onnxModel: exportInferenceModel(model, weightsData),
      });
      emit(`checkpoint ${checkpointDir(options.outDir, stepDone)}`);
    };

    let lastLoss = NaN;
    let lastMetrics: Metrics | null = null;
    let stoppedEarly = false;
    const started = performance.now() - ts.wallTimeSeconds * 1000;
    const K = cfg.stepsPerRun;
    // Evaluations, checkpoints and a requested halt happen between runs, so a K-step run never spans one.
    const boundary = (s: number) =>
      s % cfg.evalEvery === 0 || s % cfg.checkpointEvery === 0 || s === options.haltAfterStep;
    const runLength = (from: number) => {
      if (K === 1 || from + K > cfg.steps) return 1;
      for (let s = from + 1; s < from + K; s++) if (boundary(s)) return 1;
      return K;
    };
    const lrAt = (step: number) =>
      learningRateAt(step, {
        lr: cfg.schedule.lr,
        warmupSteps: Math.min(cfg.schedule.warmupSteps, cfg.steps),
        totalSteps: cfg.steps,
        decay: cfg.schedule.decay,
        minLrRatio: cfg.schedule.minLrRatio,
      });
    const tokens = cfg.batchSize * model.contextLength;

    let step = ts.step;
    while (step < cfg.steps) {
      const t0 = performance.now();
      const length = runLength(step);
      const prepared: PreparedStep[] = [];
      const lrs: number[] = [];
      for (let k = 0; k < length; k++) {
        const batch = batches.next(cfg.batchSize);
        prepared.push(
          runner.prepare(
            splitMicroBatches(batch, cfg.microBatches).map((b) => toObjective(b, rng)),
            rng,
          ),
        );
        lrs.push(lrAt(step + k));
      }
      let results: Omit<StepResult, "next">[];
      let candidate: TrainState;
      if (length === 1) {
        const r = await runner.step(state, prepared[0], lrs[0], step + 1);
        results = [r];
        candidate = r.next;
      } else {
        ({ steps: results, next: candidate } = await runner.runSteps(state, prepared, lrs, step + 1));
      }
      const secondsPerStep = (performance.now() - t0) / 1000 / length;
      let skip = false;
      for (const [k, r] of results.entries()) {
        const stepDone = step + k + 1;
        if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm))
          throw new NonFiniteLossError(stepDone, Number.isFinite(r.loss) ? r.gradNorm : r.loss);
        const verdict = spikes.observe(r.loss);
        // Inside a K-step run the update is already applied: a spike there is reported, not skipped.
        skip = verdict.isSpike && cfg.lossSpike.skipUpdate && length === 1;
        if (verdict.isSpike)
          emit(
            `step ${stepDone}: loss ${r.loss.toFixed(4)} is a spike (z ${verdict.z.toFixed(1)})${skip ? ", update skipped" : ""}`,
          );
        if (skip) ts = { ...ts, skippedSteps: ts.skippedSteps + 1 };
        lastLoss = r.loss;
        ts = {
          ...ts,
          step: stepDone,
          tokensSeen: ts.tokensSeen + tokens,
          epoch: batches.cursor().epoch,
          lossHistory: [...ts.lossHistory, { step: stepDone, loss: r.loss }].slice(-HISTORY_KEPT),
          wallTimeSeconds: (performance.now() - started) / 1000,
        };
        const metrics: Metrics = {
          "train/loss": r.loss,
          "train/grad_norm": r.gradNorm,
          "train/lr": lrs[k],
          "train/tokens_per_s": tokens / secondsPerStep,
          "train/epoch": ts.epoch,
        };
        if (skip) metrics["train/skipped_update"] = 1;
        if (stepDone % cfg.logEvery === 0 || stepDone === 1)
          Object.assign(metrics, layerMetrics(runner.groups, r, stepDone, emit));
        if (k < results.length - 1) options.onMetrics?.(stepDone, metrics);
        else lastMetrics = metrics;
      }
      if (!skip) state = candidate;
      step += length;

      const metrics = lastMetrics!;
      let improved = false;
      if (step % cfg.evalEvery === 0 || step === cfg.steps) {
        const evalLoss = await evaluate();
        if (evalLoss !== null) {
          metrics["eval/loss"] = evalLoss;
          metrics["eval/perplexity"] = Math.exp(evalLoss);
          const verdictEval = early.observe(evalLoss);
          improved = verdictEval.improved;
          stoppedEarly = verdictEval.shouldStop;
          ts = { ...ts, evalHistory: [...ts.evalHistory, { step, loss: evalLoss }].slice(-HISTORY_KEPT) };
          if (improved) ts = { ...ts, bestEvalLoss: evalLoss, bestStep: step };
        }
      }
      options.onMetrics?.(step, metrics);
      const halting = options.haltAfterStep !== undefined && step >= options.haltAfterStep;
      if (improved || halting || stoppedEarly || step === cfg.steps || step % cfg.checkpointEvery === 0) {
        await save(step);
        if (improved) markBestCheckpoint(options.outDir, step);
        pruneCheckpoints(options.outDir, cfg.keepCheckpoints);
      }
      if (stoppedEarly) {
        emit(
          `early stopping at step ${step}: no eval improvement in ${cfg.earlyStopping.patience} evaluations`,
        );
        break;
      }
      if (halting) break;
    }
    let baseline: number | null = null;
    const validationTargets: number[] = [];
    for (const b of batches.validationBatches(cfg.batchSize)) validationTargets.push(...b.targets);
    if (validationTargets.length) {
      const train = allTokens(options.data);
      const merged = train.length === 1 ? train[0] : Array.from(train, (t) => Array.from(t)).flat();
      baseline = unigramBaselineLoss(merged, validationTargets, model.vocabSize);
    }
    return {
      step: ts.step,
      lastLoss,
      bestEvalLoss: ts.bestEvalLoss,
      bestStep: ts.bestStep,
      stoppedEarly,
      unigramBaselineLoss: baseline,
      skippedSteps: ts.skippedSteps,
      outDir: options.outDir,
    };
  } finally {
    await runner.release();
  }
}
