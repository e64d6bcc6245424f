/**
 * SFT, reward-model and DPO training as a harness task (train/harness.ts): epochs over a seeded shuffle of the
 * examples, fixed-size batches (a last partial batch of an epoch is dropped, as with drop_last) split into
 * `microBatches` for gradient accumulation, and evaluation over every validation example exactly once: batches of
 * the micro-batch size and a last, smaller one with a graph of its own. Both combine batch means weighted by what
 * each is a mean over (examples; SFT: loss tokens), so 5 held-out pairs give an accuracy in {0, 0.2, ..., 1}. The batch order is a pure function of (seed, epoch), so a resumed
 * run replays the same batches. Metrics: the objective's own (namespaced ones such as `rewards/margins` as they
 * are, bare ones as `train/<name>`), and at evaluation `eval/loss` and `eval/<name>`.
 */
import type { PostTrainRun } from "../config/posttrain.js";
import type { TensorMap } from "../io/safetensors.js";
import type { Metrics } from "../jobs/types.js";
import type { ParamSpec } from "../models/parameters.js";
import type { HarnessSettings, TrainTask } from "../train/harness.js";
import type { BuildLoss } from "../train/step.js";
import { Rng } from "../util/rng.js";
import type { BaseModel, PostTrainCheckpointConfig } from "./model.js";
import { type Feeds, PolicyStepRunner } from "./policy-step.js";

export interface ExamplesTaskOptions<E> {
  kind: "sft" | "reward" | "dpo" | "kto";
  run: PostTrainRun;
  /** the run's config as given, kept in each checkpoint's metadata */
  config: unknown;
  base: BaseModel;
  /** starting weights: the base model's plus any new head */
  weights: TensorMap;
  extraParams?: ParamSpec[];
  /** the objective's loss over `rows` examples */
  buildLoss: (rows: number) => BuildLoss;
  train: E[];
  validation: E[];
  /**
   * any number of examples -> the graph's batch inputs for that many rows; `state` is the weights being trained,
   * for inputs computed from the current policy without a gradient (KTO's reference point)
   */
  collate: (examples: E[], state: Feeds) => Feeds | Promise<Feeds>;
  /** tokens one example trains on (perf/tokens_per_s) */
  tokensPerExample: number;
  /**
   * What the objective's loss over some examples is a mean over (default: the examples; SFT: their loss tokens),
   * so accumulated micro-batches and evaluation batches combine into the mean over all of them.
   */
  lossWeight?: (examples: E[]) => number;
}

export function postTrainSettings(run: PostTrainRun): HarnessSettings {
  return { ...run, schedule: { lr: run.learningRate, ...run.schedule } };
}

function trainSteps(run: PostTrainRun, trainExamples: number): { perEpoch: number; total: number } {
  const perEpoch = Math.floor(trainExamples / run.batchSize);
  if (perEpoch === 0)
    throw new Error(`data.train: ${trainExamples} examples do not fill one batch of ${run.batchSize}`);
  return { perEpoch, total: run.maxSteps ?? run.epochs * perEpoch };
}

export function microBatchRows(run: Pick<PostTrainRun, "batchSize" | "microBatches">, what: string): number {
  if (run.batchSize % run.microBatches !== 0)
    throw new Error(
      `${what}: batchSize ${run.batchSize} is not a multiple of microBatches ${run.microBatches}`,
    );
  return run.batchSize / run.microBatches;
}

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export async function examplesTask<E>(o: ExamplesTaskOptions<E>): Promise<TrainTask<Feeds>> {
  const { run } = o;
  const { perEpoch, total } = trainSteps(run, o.train.length);
  const rows = microBatchRows(run, `${o.kind} config`);
  const runner = await PolicyStepRunner.create({
    model: o.base.model,
    extraParams: o.extraParams,
    optimizer: run.optimizer,
    buildLoss: o.buildLoss,
    rows,
    microBatches: run.microBatches,
    runtime: run.runtime,
  });
  const order = { epoch: -1, indices: [] as number[] };
  /** The examples of update `step` (0-based): the order depends only on the seed and the epoch. */
  const batchAt = (step: number): E[] => {
    const epoch = Math.floor(step / perEpoch);
    if (order.epoch !== epoch) {
      order.epoch = epoch;
      order.indices = new Rng(run.seed + epoch).shuffle(o.train.map((_, i) => i));
    }
    const start = (step % perEpoch) * run.batchSize;
    return order.indices.slice(start, start + run.batchSize).map((i) => o.train[i]);
  };
  const lossWeight = o.lossWeight ?? ((examples: E[]) => examples.length);
  const named = (prefix: string, metrics: Metrics): Metrics =>
    Object.fromEntries(
      Object.entries(metrics).map(([k, v]) => [
        prefix === "eval" || !k.includes("/") ? `${prefix}/${k}` : k,
        v,
      ]),
    );

  return {
    kind: o.kind,
    totalSteps: total,
    updatesPerStep: 1,
    stepsPerRun: 1,
    groups: runner.groups,
    watchLoss: true,
    start: (resume) => (resume ? runner.state(resume.weights, resume.optimizer) : runner.state(o.weights)),

    async run(state, step, _count, { lrAt }) {
      const lr = lrAt(step);
      const micro = chunks(batchAt(step), rows);
      const feeds = [];
      for (const examples of micro) feeds.push(await o.collate(examples, state));
      const r = await runner.step(state, feeds, lr, step + 1, micro.map(lossWeight));
      const outcome = {
        loss: r.loss,
        gradNorm: r.gradNorm,
        groupGradNorms: r.groupGradNorms,
        updateRatios: r.updateRatios,
        metrics: { "train/lr": lr, ...named("train", r.metrics) },
        tokens: run.batchSize * o.tokensPerExample,
      };
      return { steps: [outcome], next: r.next };
    },

    evaluate: o.validation.length
      ? async (state) => {
          const sums: Metrics = {};
          const total = lossWeight(o.validation);
          for (const examples of chunks(o.validation, rows)) {
            const r = await runner.evaluate(state, await o.collate(examples, state), examples.length);
            const weight = lossWeight(examples) / total;
            for (const [k, v] of Object.entries({ loss: r.loss, ...r.metrics }))
              sums[k] = (sums[k] ?? 0) + v * weight;
          }
          return named("eval", sums);
        }
      : null,

    exportState: (state) => runner.exportState(state),
    progress: (step) => {
      const epoch = Math.floor(step / perEpoch);
      const position = (step % perEpoch) * run.batchSize;
      return { epoch, dataCursor: { seed: run.seed >>> 0, epoch, position }, objective: {} };
    },
    checkpointFiles: () => ({
      config: {
        format: `rlhf-engine/${o.kind}`,
        model: o.base.model,
        run: o.config,
      } satisfies PostTrainCheckpointConfig,
      tokenizerJson: o.base.tokenizer.toJSON(),
    }),
    release: () => runner.release(),
  };
}
