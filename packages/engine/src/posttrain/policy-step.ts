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
  buildCustomEvalGraph,
  buildCustomStepGraph,
  declareParameters,
  stepParameterSpecs,
  updatedName,
} from "../train/step.js";
import { exportTrainState, importTrainState } from "../train/stepRunner.js";

export type Feeds = Record<string, OrtTensor>;

export interface ModelGraphOptions {
  model: ModelConfig;
  /** parameters besides the transformer's, e.g. the score head */
  extraParams?: ParamSpec[];
}

export interface PolicyStepResult {
  loss: number;
  metrics: Record<string, number>;
  gradNorm: number;
  /** state after the update: adopt it unless the loss was not finite */
  next: Feeds;
}

const scalar = (v: number) => tensor("float32", [], Float32Array.of(v));

export class PolicyStepRunner {
  private constructor(
    readonly specs: ParamSpec[],
    private readonly metricNames: string[],
    private readonly train: Session,
    private readonly evaluator: Session,
  ) {}

  static async create(
    o: ModelGraphOptions & { optimizer: OptimizerConfig; buildLoss: BuildLoss; runtime?: RuntimeOptions },
  ): Promise<PolicyStepRunner> {
    const step = buildCustomStepGraph({ ...o, name: "posttrain_step" });
    const evaluation = buildCustomEvalGraph({ ...o, name: "posttrain_eval" });
    const [train, evaluator] = await Promise.all([
      Session.create(toOnnx(step.graph), o.runtime),
      Session.create(toOnnx(evaluation.graph), o.runtime),
    ]);
    return new PolicyStepRunner(step.specs, step.outputs, train, evaluator);
  }

  /** Weights (Hugging Face names) and zero moments, or moments from a checkpoint's optimizer.safetensors. */
  state(weights: TensorMap, optimizer?: TensorMap): Feeds {
    return importTrainState(this.specs, weights, optimizer);
  }

  /** The state as safetensors maps: weights and optimizer moments. */
  exportState(state: Feeds): { weights: TensorMap; optimizer: TensorMap } {
    return exportTrainState(this.specs, state);
  }

  /** One update; `step` is the 1-based update number (Adam bias correction). */
  async step(state: Feeds, batch: Feeds, lr: number, step: number): Promise<PolicyStepResult> {
    const out = await this.train.run({ ...state, ...batch, [IO.lr]: scalar(lr), [IO.step]: scalar(step) });
    const next: Feeds = {};
    for (const name of Object.keys(state)) next[name] = out[updatedName(name)];
    return {
      loss: Number(out[IO.loss].data[0]),
      metrics: this.readMetrics(out),
      gradNorm: Number(out[IO.gradNorm].data[0]),
      next,
    };
  }

  async evaluate(state: Feeds, batch: Feeds): Promise<{ loss: number; metrics: Record<string, number> }> {
    const out = await this.evaluator.run({ ...state, ...batch });
    return { loss: Number(out[IO.loss].data[0]), metrics: this.readMetrics(out) };
  }

  private readMetrics(out: Feeds): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((n) => [n, Number(out[n].data[0])]));
  }

  async release(): Promise<void> {
    await Promise.all([this.train.release(), this.evaluator.release()]);
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
