/**
 * Runs the step graphs of step.ts on ONNX Runtime and carries the training state between runs. The state stays in
 * ORT tensors between steps (inputs are zero-copy; outputs become the next step's inputs), so the host never copies
 * the weights except when it saves them.
 */
import type { Tensor as OrtTensor } from "onnxruntime-node";
import type { TensorMap } from "../io/safetensors.js";
import type { ParamSpec } from "../models/parameters.js";
import { toOnnx } from "../onnx/lower.js";
import type { ObjectiveBatch } from "../objectives/pretraining.js";
import { checkTokenIds } from "../objectives/crossEntropy.js";
import { MOMENT_NAMES } from "../optim/update.js";
import { type RuntimeOptions, Session, tensor } from "../runtime/session.js";
import type { Rng } from "../util/rng.js";
import {
  IO,
  type DropoutSite,
  type StepGraph,
  type StepGraphOptions,
  buildApplyGraph,
  buildEvalGraph,
  buildGradientGraph,
  buildTrainLoopGraph,
  buildTrainStepGraph,
  allStepsName,
  gradName,
  type TrainLoopGraph,
  momentName,
  updatedName,
} from "./step.js";

/** Parameters and optimizer moments, by input name. */
export interface TrainState {
  tensors: Record<string, OrtTensor>;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** per layer group, in StepRunner.groups order */
  groupGradNorms: Float32Array;
  updateRatios: Float32Array;
  /** the state after the update; the caller decides whether to adopt it (a spike or a NaN is not adopted) */
  next: TrainState;
}

export interface StepRunnerOptions extends StepGraphOptions {
  /** micro-batches per update; batchSize is per micro-batch */
  microBatches: number;
  /** K > 1 also builds the K-step graph (an ONNX Loop) for runSteps; needs microBatches 1 */
  stepsPerRun?: number;
  runtime?: RuntimeOptions;
}

/** The feeds of one update: per micro-batch, its batch and dropout masks. Built by prepare(), so randomness is drawn
 * in the same order whether updates run one per session.run or K per run. */
export interface PreparedStep {
  microBatches: Record<string, OrtTensor>[];
  /** what each micro-batch's loss is a mean over (its loss tokens), when they can differ; default: equal */
  weights?: number[];
}

/** A batch for the step graph: the objective's, plus per-row positions and the attention mask under document masking. */
export interface StepBatch extends ObjectiveBatch {
  positions?: Int32Array;
  /** additive [rows, 1, T, T] (posttrain/packing.ts blockCausalMask) */
  attentionMask?: Float32Array;
}

function scalar(v: number): OrtTensor {
  return tensor("float32", [], Float32Array.of(v));
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Step-graph feeds from safetensors maps: each parameter and its two moments (zeros when `optimizer` is not given). */
export function importTrainState(
  specs: readonly ParamSpec[],
  weights: TensorMap,
  optimizer?: TensorMap,
): Record<string, OrtTensor> {
  const tensors: Record<string, OrtTensor> = {};
  for (const s of specs) {
    const names = [s.name, ...MOMENT_NAMES.map((m) => momentName(m, s.name))];
    names.forEach((name, k) => {
      if (k > 0 && !optimizer) {
        tensors[name] = tensor("float32", s.shape, new Float32Array(elements(s.shape)));
        return;
      }
      const t = (k === 0 ? weights : optimizer!)[name];
      const fits =
        t &&
        t.dtype === "F32" &&
        t.shape.join(",") === s.shape.join(",") &&
        t.data.length === elements(s.shape);
      if (!fits)
        throw new Error(`training state: tensor ${name} is missing, not F32 or not of shape [${s.shape}]`);
      tensors[name] = tensor("float32", s.shape, t.data as Float32Array);
    });
  }
  return tensors;
}

/** The step-graph state as safetensors maps (copies): weights by parameter name, moments as exp_avg.<name>, exp_avg_sq.<name>. */
export function exportTrainState(
  specs: readonly ParamSpec[],
  tensors: Record<string, OrtTensor>,
): { weights: TensorMap; optimizer: TensorMap } {
  const weights: TensorMap = {};
  const optimizer: TensorMap = {};
  const copy = (name: string, shape: number[]) => ({
    dtype: "F32" as const,
    shape,
    data: (tensors[name].data as Float32Array).slice(),
  });
  for (const s of specs) {
    weights[s.name] = copy(s.name, s.shape);
    for (const m of MOMENT_NAMES) optimizer[momentName(m, s.name)] = copy(momentName(m, s.name), s.shape);
  }
  return { weights, optimizer };
}

/**
 * Gradient accumulation: runs a gradient graph on each micro-batch in turn and averages, on the host in float32 and
 * in micro-batch order, the loss, the named scalar outputs and the gradients (`grad.<name>`, the apply graph's
 * inputs). `weights` (default: equal) are what each micro-batch's mean is over, e.g. its loss tokens, so the result
 * is the mean over the whole batch, not a mean of means (Hugging Face's num_items_in_batch fix).
 */
export async function averageGradients(
  specs: readonly ParamSpec[],
  microBatches: Record<string, OrtTensor>[],
  run: (feeds: Record<string, OrtTensor>) => Promise<Record<string, OrtTensor>>,
  scalars: readonly string[] = [],
  weights: readonly number[] = microBatches.map(() => 1),
): Promise<{ loss: number; scalars: Record<string, number>; grads: Record<string, OrtTensor> }> {
  const total = weights.reduce((a, b) => a + b, 0);
  const sums: Record<string, Float32Array> = {};
  const means: Record<string, number> = Object.fromEntries(scalars.map((n) => [n, 0]));
  let loss = 0;
  for (const [k, feeds] of microBatches.entries()) {
    const share = weights[k] / total;
    const r = await run(feeds);
    loss += Number(r[IO.loss].data[0]) * share;
    for (const n of scalars) means[n] += Number(r[n].data[0]) * share;
    for (const s of specs) {
      const g = r[gradName(s.name)].data as Float32Array;
      const acc = (sums[s.name] ??= new Float32Array(g.length));
      for (let i = 0; i < g.length; i++) acc[i] += g[i] * share;
    }
  }
  const grads = Object.fromEntries(
    specs.map((s) => [gradName(s.name), tensor("float32", s.shape, sums[s.name])]),
  );
  return { loss, scalars: means, grads };
}

export class StepRunner {
  private constructor(
    readonly options: StepRunnerOptions,
    private readonly main: { graph: StepGraph; session: Session },
    private readonly apply: Session | null,
    private readonly evaluators: Map<number, Session>,
    private readonly loop: { graph: TrainLoopGraph; session: Session } | null,
  ) {}

  static async create(options: StepRunnerOptions): Promise<StepRunner> {
    const accumulate = options.microBatches > 1;
    const K = options.stepsPerRun ?? 1;
    if (K > 1 && accumulate)
      throw new Error("stepsPerRun > 1 needs microBatches 1 (the K-step graph has no accumulation)");
    const graph = accumulate ? buildGradientGraph(options) : buildTrainStepGraph(options);
    const session = await Session.create(toOnnx(graph.graph), options.runtime);
    const apply = accumulate
      ? await Session.create(toOnnx(buildApplyGraph(options).graph), options.runtime)
      : null;
    let loop: { graph: TrainLoopGraph; session: Session } | null = null;
    if (K > 1) {
      const loopGraph = buildTrainLoopGraph(options, K);
      loop = { graph: loopGraph, session: await Session.create(toOnnx(loopGraph.graph), options.runtime) };
    }
    return new StepRunner(options, { graph, session }, apply, new Map(), loop);
  }

  get groups(): string[] {
    return this.main.graph.groups;
  }

  get dropoutSites(): DropoutSite[] {
    return this.main.graph.dropoutSites;
  }

  /** A fresh state: the given weights and zero moments. */
  initialState(weights: Record<string, Float32Array>): TrainState {
    const specs = this.main.graph.specs;
    const map: TensorMap = Object.fromEntries(
      specs
        .filter((s) => weights[s.name])
        .map((s) => [s.name, { dtype: "F32", shape: s.shape, data: weights[s.name] }]),
    );
    return { tensors: importTrainState(specs, map) };
  }

  /** The state as two safetensors maps (weights with Hugging Face names; moments as exp_avg.<name>, exp_avg_sq.<name>). */
  exportState(state: TrainState): { weights: TensorMap; optimizer: TensorMap } {
    return exportTrainState(this.main.graph.specs, state.tensors);
  }

  importState(weights: TensorMap, optimizer: TensorMap): TrainState {
    return { tensors: importTrainState(this.main.graph.specs, weights, optimizer) };
  }

  private batchFeeds(batch: StepBatch, batchSize = this.options.batchSize): Record<string, OrtTensor> {
    const { model } = this.options;
    const shape = [batchSize, model.contextLength];
    const n = batchSize * model.contextLength;
    if (batch.inputIds.length !== n)
      throw new RangeError(
        `batch: expected ${batchSize} x ${model.contextLength} = ${n} token ids, got ${batch.inputIds.length}`,
      );
    checkTokenIds(batch.inputIds, model.vocabSize, "batch input ids");
    checkTokenIds(batch.targets, model.vocabSize, "batch targets");
    const feeds: Record<string, OrtTensor> = {
      [IO.inputIds]: tensor("int32", shape, batch.inputIds),
      [IO.targets]: tensor("int32", shape, batch.targets),
    };
    if (this.options.objective === "masked_lm" || this.options.documentMasking) {
      if (!batch.lossWeights) throw new Error("batch without loss weights (masked LM or document masking)");
      feeds[IO.lossWeights] = tensor("float32", shape, batch.lossWeights);
    }
    if (this.options.documentMasking) {
      if (!batch.positions || !batch.attentionMask)
        throw new Error("document masking: batch without positions or attention mask");
      feeds[IO.positions] = tensor("int32", shape, batch.positions);
      feeds[IO.attentionMask] = tensor("float32", [batchSize, 1, shape[1], shape[1]], batch.attentionMask);
    }
    return feeds;
  }

  /** uint8 keep-flags for every dropout site, drawn from `rng` (so a saved Rng replays them exactly). */
  private dropoutFeeds(rng: Rng | undefined): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    if (!this.dropoutSites.length) return feeds;
    if (!rng) throw new Error("dropout is on: step() needs an Rng to draw the masks");
    const p = this.options.model.dropout;
    for (const site of this.dropoutSites) {
      const keep = new Uint8Array(site.shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < keep.length; i++) keep[i] = rng.next() >= p ? 1 : 0;
      feeds[site.input] = tensor("uint8", site.shape, keep);
    }
    return feeds;
  }

  /** Batch feeds and dropout masks for one update (draws masks from `rng`, micro-batch by micro-batch). */
  prepare(microBatches: StepBatch[], rng?: Rng): PreparedStep {
    if (microBatches.length !== this.options.microBatches)
      throw new Error(
        `step: expected ${this.options.microBatches} micro-batches, got ${microBatches.length}`,
      );
    const feeds = microBatches.map((mb) => ({ ...this.batchFeeds(mb), ...this.dropoutFeeds(rng) }));
    // packed documents can leave targets out of the loss, so micro-batches are weighted by their loss tokens
    const weights = this.options.documentMasking
      ? microBatches.map((mb) => mb.lossWeights!.reduce((a, b) => a + b, 0))
      : undefined;
    return { microBatches: feeds, weights };
  }

  private result(out: Record<string, OrtTensor>, loss: number, names: string[]): StepResult {
    const next: Record<string, OrtTensor> = {};
    for (const name of names) next[name] = out[updatedName(name)];
    return {
      loss,
      gradNorm: Number(out[IO.gradNorm].data[0]),
      groupGradNorms: out[IO.groupGradNorms].data as Float32Array,
      updateRatios: out[IO.updateRatios].data as Float32Array,
      next: { tensors: next },
    };
  }

  /** One optimizer update. `step` is the 1-based update number (Adam bias correction). */
  async step(state: TrainState, prepared: PreparedStep, lr: number, step: number): Promise<StepResult> {
    const scalars = { [IO.lr]: scalar(lr), [IO.step]: scalar(step) };
    if (!this.apply) {
      const out = await this.main.session.run({ ...state.tensors, ...prepared.microBatches[0], ...scalars });
      return this.result(out, Number(out[IO.loss].data[0]), Object.keys(state.tensors));
    }
    const { loss, grads } = await averageGradients(
      this.main.graph.specs,
      prepared.microBatches,
      (feeds) => this.main.session.run({ ...state.tensors, ...feeds }),
      [],
      prepared.weights,
    );
    const out = await this.apply.run({ ...state.tensors, ...grads, ...scalars });
    return this.result(out, loss, Object.keys(state.tensors));
  }

  /** stepsPerRun updates in one session.run (the ONNX Loop graph); results per update, the state after the last. */
  async runSteps(
    state: TrainState,
    prepared: PreparedStep[],
    lrs: number[],
    firstStep: number,
  ): Promise<{ steps: Omit<StepResult, "next">[]; next: TrainState }> {
    if (!this.loop) throw new Error("runSteps: this runner was created without stepsPerRun > 1");
    const K = this.loop.graph.steps;
    if (prepared.length !== K || lrs.length !== K)
      throw new Error(`runSteps: expected ${K} prepared steps and learning rates`);
    const feeds: Record<string, OrtTensor> = { ...state.tensors };
    for (const p of this.loop.graph.perStepInputs) {
      const per =
        p.name === IO.lr
          ? lrs.map((v) => scalar(v))
          : p.name === IO.step
            ? lrs.map((_, k) => scalar(firstStep + k))
            : prepared.map((s) => s.microBatches[0][p.name]);
      const size = p.shape.reduce((a, b) => a * b, 1);
      const all =
        p.dtype === "int32"
          ? new Int32Array(K * size)
          : p.dtype === "uint8"
            ? new Uint8Array(K * size)
            : new Float32Array(K * size);
      per.forEach((t, k) => all.set(t.data as never, k * size));
      feeds[allStepsName(p.name)] = tensor(p.dtype, [K, ...p.shape], all);
    }
    const out = await this.loop.session.run(feeds);
    const G = this.groups.length;
    const column = (name: string, k: number, width: number) =>
      (out[name].data as Float32Array).slice(k * width, (k + 1) * width);
    const steps = Array.from({ length: K }, (_, k) => ({
      loss: Number(out[IO.loss].data[k]),
      gradNorm: Number(out[IO.gradNorm].data[k]),
      groupGradNorms: column(IO.groupGradNorms, k, G),
      updateRatios: column(IO.updateRatios, k, G),
    }));
    const next: Record<string, OrtTensor> = {};
    for (const name of Object.keys(state.tensors)) next[name] = out[updatedName(name)];
    return { steps, next: { tensors: next } };
  }

  /**
   * Mean loss of one batch of `rows` sequences without dropout and without an update. The graphs have static
   * shapes, so a batch smaller than the training one (the end of a validation split) gets its own graph, built
   * once: evaluation never pads or repeats sequences.
   */
  async evalLoss(state: TrainState, batch: StepBatch, rows = this.options.batchSize): Promise<number> {
    let evaluator = this.evaluators.get(rows);
    if (!evaluator) {
      const graph = buildEvalGraph({ ...this.options, batchSize: rows }).graph;
      evaluator = await Session.create(toOnnx(graph), this.options.runtime);
      this.evaluators.set(rows, evaluator);
    }
    const out = await evaluator.run({ ...state.tensors, ...this.batchFeeds(batch, rows) });
    return Number(out[IO.loss].data[0]);
  }

  async release(): Promise<void> {
    await Promise.all([
      this.main.session.release(),
      this.apply?.release(),
      ...[...this.evaluators.values()].map((e) => e.release()),
      this.loop?.session.release(),
    ]);
  }
}
