/**
 * Pretraining as a harness task (harness.ts): batches of token windows from shards (train/validation split,
 * gradient accumulation over micro-batches, or K updates per session.run), the causal- or masked-LM step graph,
 * and evaluation on the whole validation split (at most `evalBatches` batches; a last, smaller batch gets a graph
 * of its own, so no window counts twice and a split smaller than one batch still evaluates).
 * With `documentMasking` each window's documents attend only to themselves and restart their positions (Llama 3),
 * through the same inputs as packed SFT: per-row positions and posttrain/packing.ts's block-causal mask.
 */
import { readFileSync } from "node:fs";
import type { ModelConfig } from "../config/model.js";
import type { PretrainConfig } from "../config/pretrain.js";
import { unigramBaselineLoss } from "../eval/language.js";
import { exportInferenceModel } from "../generate/export.js";
import { readShard } from "../io/shards.js";
import type { JobOptions } from "../jobs/types.js";
import { hfConfigProblem } from "../hf/config.js";
import { tokenizerMaskId } from "../hf/tokenizer.js";
import { blockCausalMask } from "../posttrain/packing.js";
import { initParameters } from "../models/parameters.js";
import { causalLmBatch, maskedLmBatch } from "../objectives/pretraining.js";
import { Rng } from "../util/rng.js";
import { type Batch, TokenBatches, splitMicroBatches } from "./batches.js";
import type { HarnessSettings, StepOutcome, TrainTask } from "./harness.js";
import { type PreparedStep, type StepBatch, StepRunner, type TrainState } from "./stepRunner.js";

/** The engine metadata of a pretraining checkpoint: the resolved model (for readers) and the run, to resume. */
export interface PretrainCheckpointConfig {
  format: "rlhf-engine/pretrain";
  model: ModelConfig;
  run: unknown;
}

export function pretrainSettings(cfg: PretrainConfig): HarnessSettings {
  return { ...cfg, saveEvery: cfg.checkpointEvery };
}

export async function pretrainTask(
  cfg: PretrainConfig,
  input: unknown,
  log: NonNullable<JobOptions["onLog"]>,
): Promise<TrainTask<TrainState>> {
  const model = cfg.model;
  // every checkpoint is a Hugging Face model folder: refuse now what the first save would fail on
  const hfProblem = hfConfigProblem(model);
  if (hfProblem)
    throw new Error(
      `pretrain config: model.${hfProblem}; checkpoints are Hugging Face model folders, so change that switch (or the preset)`,
    );
  if (cfg.stepsPerRun > 1 && cfg.microBatches > 1)
    throw new Error("pretrain config: stepsPerRun > 1 needs microBatches 1");
  if (cfg.batchSize % cfg.microBatches !== 0)
    throw new Error(
      `pretrain config: batchSize ${cfg.batchSize} is not a multiple of microBatches ${cfg.microBatches}`,
    );
  if (cfg.objective === "masked_lm" && model.attention !== "bidirectional")
    throw new Error('pretrain config: objective masked_lm needs model.attention "bidirectional"');
  if (cfg.documentMasking && cfg.objective !== "causal_lm")
    throw new Error("pretrain config: documentMasking applies to objective causal_lm only");
  const tokenizerJson = cfg.tokenizer ? readFileSync(cfg.tokenizer, "utf8") : undefined;
  const maskTokenId =
    cfg.maskTokenId ??
    (tokenizerJson === undefined ? null : tokenizerMaskId(tokenizerJson)) ??
    model.vocabSize - 1;
  const batches = TokenBatches.fromShards(cfg.data.shards, {
    seqLen: model.contextLength,
    vocabSize: model.vocabSize,
    validationFraction: cfg.validationFraction,
    seed: cfg.seed,
    documents: cfg.documentMasking,
  });
  const rows = cfg.batchSize / cfg.microBatches;
  const baseline = unigramBaseline(cfg, batches);
  if (baseline !== null)
    log(`unigram baseline loss ${baseline.toFixed(4)} (validation loss of token frequencies alone)`, "info");

  const runner = await StepRunner.create({
    model,
    objective: cfg.objective,
    batchSize: rows,
    optimizer: cfg.optimizer,
    microBatches: cfg.microBatches,
    stepsPerRun: cfg.stepsPerRun,
    runtime: cfg.runtime,
    documentMasking: cfg.documentMasking,
  });
  const toObjective = (b: Batch, rng: Rng): StepBatch =>
    cfg.documentMasking
      ? documentBatch(b, cfg.lossOnDocumentStarts)
      : cfg.objective === "causal_lm"
        ? causalLmBatch(b)
        : maskedLmBatch(b, rng, {
            vocabSize: model.vocabSize,
            maskTokenId,
            maskProbability: cfg.maskProbability,
          });

  return {
    kind: "pretrain",
    totalSteps: cfg.steps,
    updatesPerStep: 1,
    stepsPerRun: cfg.stepsPerRun,
    groups: runner.groups,
    watchLoss: true,
    start(resume) {
      if (!resume) return runner.initialState(initParameters(model, new Rng(cfg.seed)));
      batches.resume(resume.trainerState.dataCursor);
      return runner.importState(resume.weights, resume.optimizer);
    },

    async run(state, step, count, { rng, lrAt }) {
      const prepared: PreparedStep[] = [];
      const lrs: number[] = [];
      for (let k = 0; k < count; k++) {
        const micro = splitMicroBatches(batches.next(cfg.batchSize), cfg.microBatches);
        prepared.push(
          runner.prepare(
            micro.map((b) => toObjective(b, rng)),
            rng,
          ),
        );
        lrs.push(lrAt(step + k));
      }
      const { steps, next } =
        count === 1
          ? await runner
              .step(state, prepared[0], lrs[0], step + 1)
              .then((r) => ({ steps: [r], next: r.next }))
          : await runner.runSteps(state, prepared, lrs, step + 1);
      const outcomes: StepOutcome[] = steps.map((r, k) => ({
        loss: r.loss,
        gradNorm: r.gradNorm,
        groupGradNorms: r.groupGradNorms,
        updateRatios: r.updateRatios,
        metrics: { "train/lr": lrs[k], "train/epoch": batches.cursor().epoch },
        tokens: cfg.batchSize * model.contextLength,
      }));
      return { steps: outcomes, next };
    },

    evaluate: batches.validationSequenceCount
      ? async (state) => {
          // Masked-LM corruption of validation batches is drawn from a fixed seed: every evaluation sees the same task.
          const evalRng = new Rng((cfg.seed + 1) >>> 0);
          let sum = 0;
          let weight = 0;
          let n = 0;
          for (const b of batches.validationBatches(rows)) {
            if (n++ >= cfg.evalBatches) break;
            const batch = toObjective(b, evalRng);
            // a batch's loss is a mean over its windows, or over its loss tokens under document masking
            const w = batch.lossWeights && cfg.documentMasking ? sumOf(batch.lossWeights) : b.batchSize;
            sum += (await runner.evalLoss(state, batch, b.batchSize)) * w;
            weight += w;
          }
          const loss = sum / weight;
          return { "eval/loss": loss, "eval/perplexity": Math.exp(loss) };
        }
      : null,

    exportState: (state) => runner.exportState(state),
    progress: () => ({ dataCursor: batches.cursor(), epoch: batches.cursor().epoch, objective: {} }),
    checkpointFiles(weights) {
      const data = Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, t.data as Float32Array]));
      const config: PretrainCheckpointConfig = { format: "rlhf-engine/pretrain", model, run: input };
      return { config, tokenizerJson, onnxModel: exportInferenceModel(model, data) };
    },
    release: () => runner.release(),
  };
}

/** A causal-LM batch of packed documents: positions, the block-causal mask and loss weights from its boundaries. */
export function documentBatch(b: Batch, lossOnDocumentStarts: boolean): StepBatch {
  if (!b.documents) throw new Error("document masking: the batch carries no document boundaries");
  const { segments, positions, targetStartsDocument } = b.documents;
  const lossWeights = Float32Array.from(targetStartsDocument, (starts) =>
    starts && !lossOnDocumentStarts ? 0 : 1,
  );
  return {
    ...causalLmBatch(b),
    lossWeights,
    positions,
    attentionMask: blockCausalMask({ rows: b.batchSize, seqLen: b.seqLen, segments }),
  };
}

const sumOf = (a: Float32Array) => a.reduce((x, y) => x + y, 0);

/** Loss of predicting the validation tokens by their training frequencies: a run must beat it to have learned. */
function unigramBaseline(cfg: PretrainConfig, batches: TokenBatches): number | null {
  const targets: number[] = [];
  for (const b of batches.validationBatches(cfg.batchSize)) targets.push(...b.targets);
  if (!targets.length) return null;
  const shards = cfg.data.shards.map((p) => readShard(p).tokens);
  const all = shards.length === 1 ? shards[0] : Array.from(shards, (t) => Array.from(t)).flat();
  return unigramBaselineLoss(all, targets, cfg.model.vocabSize);
}
