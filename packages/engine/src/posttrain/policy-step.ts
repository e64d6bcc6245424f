/**
 * Runs post-training step graphs: train/step.ts's `buildCustomStepGraph` with the objective's loss (the transformer's
 * parameters plus any head, such as the reward model's score head, then the engine's gradients and optimizer), and
 * its forward-only twin for evaluation. Names are train/step.ts's (`exp_avg.<param>`, `new.<input>`, `lr`, `step`),
 * so checkpoints look the same as pretraining's. `compileForward` serves scoring and reference log-probs.
 */
import type { Tensor as OrtTensor } from "onnxruntime-node";
import type { ModelConfig } from "../config/model.js";
import type { OptimizerConfig } from "../config/pretrain.js";
import { Graph, type Value } from "../graph/graph.js";
import type { TensorMap } from "../io/safetensors.js";
import type { ParamSpec } from "../models/parameters.js";
import type { Params } from "../models/transformer.js";
import { toOnnx } from "../onnx/lower.js";
import { type RuntimeOptions, Session, tensor } from "../runtime/session.js";
import {
  type BuildLoss,
  IO,
  buildApplyGraph,
  buildCustomEvalGraph,
  buildCustomGradientGraph,
  buildCustomStepGraph,
  declareParameters,
  stepParameterSpecs,
  updatedName,
} from "../train/step.js";
import { averageGradients, exportTrainState, importTrainState } from "../train/stepRunner.js";

export type Feeds = Record<string, OrtTensor>;

export interface ModelGraphOptions {
  model: ModelConfig;
  /** parameters besides the transformer's, e.g. the score head */
  extraParams?: ParamSpec[];
}

export interface PolicyStepOptions extends ModelGraphOptions {
  optimizer: OptimizerConfig;
  /** The objective's loss over `rows` examples (it declares its batch inputs with that leading size). */
  buildLoss: (rows: number) => BuildLoss;
  /** Examples per micro-batch. */
  rows: number;
  /** Micro-batches per update (gradient accumulation); 1 runs the fused step graph. */
  microBatches: number;
  runtime?: RuntimeOptions;
}

export interface PolicyStepResult {
  loss: number;
  metrics: Record<string, number>;
  gradNorm: number;
  /** per layer group, in `groups` order */
  groupGradNorms: Float32Array;
  updateRatios: Float32Array;
  /** state after the update: the harness adopts it unless the step was refused */
  next: Feeds;
}

const scalar = (v: number) => tensor("float32", [], Float32Array.of(v));

export class PolicyStepRunner {
  private readonly evaluators = new Map<number, Session>();

  private constructor(
    private readonly options: PolicyStepOptions,
    readonly specs: ParamSpec[],
    readonly groups: string[],
    private readonly metricNames: string[],
    private readonly main: Session,
    private readonly apply: Session | null,
  ) {}

  static async create(o: PolicyStepOptions): Promise<PolicyStepRunner> {
    const graphOptions = { ...o, buildLoss: o.buildLoss(o.rows) };
    const accumulate = o.microBatches > 1;
    const main = accumulate
      ? buildCustomGradientGraph({ ...graphOptions, name: "posttrain_gradients" })
      : buildCustomStepGraph({ ...graphOptions, name: "posttrain_step" });
    const [session, apply] = await Promise.all([
      Session.create(toOnnx(main.graph), o.runtime),
      accumulate ? Session.create(toOnnx(buildApplyGraph(o).graph), o.runtime) : null,
    ]);
    return new PolicyStepRunner(o, main.specs, main.groups, main.outputs, session, apply);
  }

  /** Weights (Hugging Face names) and zero moments, or moments from a checkpoint's optimizer.safetensors. */
  state(weights: TensorMap, optimizer?: TensorMap): Feeds {
    return importTrainState(this.specs, weights, optimizer);
  }

  /** The state as safetensors maps: weights and optimizer moments. */
  exportState(state: Feeds): { weights: TensorMap; optimizer: TensorMap } {
    return exportTrainState(this.specs, state);
  }

  /**
   * One update over `microBatches` batches of `rows` examples; `step` is the 1-based update number (Adam);
   * `weights`: what each micro-batch's loss is a mean over (averageGradients).
   */
  async step(
    state: Feeds,
    microBatches: Feeds[],
    lr: number,
    step: number,
    weights?: number[],
  ): Promise<PolicyStepResult> {
    if (microBatches.length !== this.options.microBatches)
      throw new Error(
        `step: expected ${this.options.microBatches} micro-batches, got ${microBatches.length}`,
      );
    const scalars = { [IO.lr]: scalar(lr), [IO.step]: scalar(step) };
    let out: Feeds;
    let loss: number;
    let metrics: Record<string, number>;
    if (!this.apply) {
      out = await this.main.run({ ...state, ...microBatches[0], ...scalars });
      loss = Number(out[IO.loss].data[0]);
      metrics = this.readMetrics(out);
    } else {
      const mean = await averageGradients(
        this.specs,
        microBatches,
        (feeds) => this.main.run({ ...state, ...feeds }),
        this.metricNames,
        weights,
      );
      out = await this.apply.run({ ...state, ...mean.grads, ...scalars });
      loss = mean.loss;
      metrics = mean.scalars;
    }
    const next: Feeds = {};
    for (const name of Object.keys(state)) next[name] = out[updatedName(name)];
    return {
      loss,
      metrics,
      gradNorm: Number(out[IO.gradNorm].data[0]),
      groupGradNorms: out[IO.groupGradNorms].data as Float32Array,
      updateRatios: out[IO.updateRatios].data as Float32Array,
      next,
    };
  }

  /** Loss and metrics of `rows` examples, with an evaluation graph of that batch size (built once per size). */
  async evaluate(
    state: Feeds,
    batch: Feeds,
    rows: number,
  ): Promise<{ loss: number; metrics: Record<string, number> }> {
    let evaluator = this.evaluators.get(rows);
    if (!evaluator) {
      const graph = buildCustomEvalGraph({
        ...this.options,
        buildLoss: this.options.buildLoss(rows),
        name: "posttrain_eval",
      }).graph;
      evaluator = await Session.create(toOnnx(graph), this.options.runtime);
      this.evaluators.set(rows, evaluator);
    }
    const out = await evaluator.run({ ...state, ...batch });
    return { loss: Number(out[IO.loss].data[0]), metrics: this.readMetrics(out) };
  }

  private readMetrics(out: Feeds): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((n) => [n, Number(out[n].data[0])]));
  }

  async release(): Promise<void> {
    await Promise.all([
      this.main.release(),
      this.apply?.release(),
      ...[...this.evaluators.values()].map((e) => e.release()),
    ]);
  }
}

/** A forward-only graph over the model's parameters with named outputs (scores, log-probs, values). */
export async function compileForward(
  o: ModelGraphOptions & {
    build: (g: Graph, params: Params) => Record<string, Value>;
    runtime?: RuntimeOptions;
  },
): Promise<{ run: (weights: Feeds, batch: Feeds) => Promise<Feeds>; release: () => Promise<void> }> {
  const g = new Graph("posttrain_forward");
  const outputs = o.build(g, declareParameters(g, stepParameterSpecs(o.model, o.extraParams)).byName);
  for (const [name, v] of Object.entries(outputs)) g.output(name, v);
  const session = await Session.create(toOnnx(g), o.runtime);
  return { run: (weights, batch) => session.run({ ...weights, ...batch }), release: () => session.release() };
}
