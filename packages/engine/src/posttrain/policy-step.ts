/**
 * Step graphs with a post-training loss: the transformer's parameters (plus any head, such as the reward model's
 * score head) as inputs, a loss built by the objective from them and its own batch inputs, then the engine's
 * gradient rules and optimizer (optim/update.ts) in the same graph. Input and output names follow train/step.ts
 * (`exp_avg.<param>`, `new.<input>`, `lr`, `step`), so checkpoints look the same as pretraining's.
 * A forward-only graph of the same loss evaluates; `compileForward` serves scoring and reference log-probs.
 */
import type { Tensor as OrtTensor } from "onnxruntime-node";
import type { ModelConfig } from "../config/model.js";
import type { OptimizerConfig } from "../config/pretrain.js";
import { gradients } from "../autodiff/gradients.js";
import { Graph, type Value } from "../graph/graph.js";
import type { TensorMap } from "../io/safetensors.js";
import { type ParamSpec, parameterSpecs } from "../models/parameters.js";
import type { Params } from "../models/transformer.js";
import { toOnnx } from "../onnx/lower.js";
import { MOMENT_NAMES, applyOptimizer } from "../optim/update.js";
import { type RuntimeOptions, Session, tensor } from "../runtime/session.js";
import { IO, momentName, updatedName } from "../train/step.js";

export type Feeds = Record<string, OrtTensor>;

export interface LossGraph {
  loss: Value;
  /** slash-namespaced metrics (`rewards/margins`), scalars */
  metrics: Record<string, Value>;
}

export interface ModelGraphOptions {
  model: ModelConfig;
  /** parameters besides the transformer's, e.g. the score head */
  extraParams?: ParamSpec[];
}

/** Declares the batch inputs on `g` and builds the loss from the parameters. */
export type BuildLoss = (g: Graph, params: Params) => LossGraph;

export function modelSpecs(o: ModelGraphOptions): ParamSpec[] {
  return [...parameterSpecs(o.model), ...(o.extraParams ?? [])];
}

function declareParams(g: Graph, specs: ParamSpec[]): { list: Value[]; byName: Params } {
  const list = specs.map((s) => g.input(s.name, "float32", s.shape));
  return { list, byName: Object.fromEntries(specs.map((s, i) => [s.name, list[i]])) };
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

  static async create(o: ModelGraphOptions & { optimizer: OptimizerConfig; buildLoss: BuildLoss; runtime?: RuntimeOptions }): Promise<PolicyStepRunner> {
    const specs = modelSpecs(o);
    const trainGraph = new Graph("posttrain_step");
    const params = declareParams(trainGraph, specs);
    const built = o.buildLoss(trainGraph, params.byName);
    const grads = gradients(built.loss, params.list);
    const moments = specs.map((s) => MOMENT_NAMES.map((m) => trainGraph.input(momentName(m, s.name), "float32", s.shape)) as [Value, Value]);
    const lr = trainGraph.input(IO.lr, "float32", []);
    const step = trainGraph.input(IO.step, "float32", []);
    const out = applyOptimizer(o.optimizer, specs, { params: params.list, grads, moments, lr, step });
    trainGraph.output(IO.loss, built.loss);
    for (const [name, v] of Object.entries(built.metrics)) trainGraph.output(name, v);
    trainGraph.output(IO.gradNorm, out.gradNorm);
    specs.forEach((s, i) => {
      trainGraph.output(updatedName(s.name), out.params[i]);
      MOMENT_NAMES.forEach((m, k) => trainGraph.output(updatedName(momentName(m, s.name)), out.moments[i][k]));
    });
    const evalGraph = new Graph("posttrain_eval");
    const evalBuilt = o.buildLoss(evalGraph, declareParams(evalGraph, specs).byName);
    evalGraph.output(IO.loss, evalBuilt.loss);
    for (const [name, v] of Object.entries(evalBuilt.metrics)) evalGraph.output(name, v);
    const [train, evaluator] = await Promise.all([Session.create(toOnnx(trainGraph), o.runtime), Session.create(toOnnx(evalGraph), o.runtime)]);
    return new PolicyStepRunner(specs, Object.keys(built.metrics), train, evaluator);
  }

  /** Weights (Hugging Face names) and zero moments, or moments from a checkpoint's optimizer.safetensors. */
  state(weights: TensorMap, optimizer?: TensorMap): Feeds {
    const feeds: Feeds = {};
    for (const s of this.specs) {
      const names = [s.name, ...MOMENT_NAMES.map((m) => momentName(m, s.name))];
      names.forEach((name, k) => {
        const source = k === 0 ? weights[name] : optimizer?.[name];
        if (k > 0 && !optimizer) {
          feeds[name] = tensor("float32", s.shape, new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
          return;
        }
        if (!source || source.dtype !== "F32" || source.shape.join(",") !== s.shape.join(",")) {
          throw new Error(`checkpoint: tensor ${name} missing or not F32 [${s.shape}]`);
        }
        feeds[name] = tensor("float32", s.shape, source.data as Float32Array);
      });
    }
    return feeds;
  }

  /** The state as safetensors maps: weights and optimizer moments. */
  exportState(state: Feeds): { weights: TensorMap; optimizer: TensorMap } {
    const weights: TensorMap = {};
    const optimizer: TensorMap = {};
    for (const s of this.specs) {
      weights[s.name] = { dtype: "F32", shape: s.shape, data: (state[s.name].data as Float32Array).slice() };
      for (const m of MOMENT_NAMES) {
        const name = momentName(m, s.name);
        optimizer[name] = { dtype: "F32", shape: s.shape, data: (state[name].data as Float32Array).slice() };
      }
    }
    return { weights, optimizer };
  }

  /** One update; `step` is the 1-based update number (Adam bias correction). */
  async step(state: Feeds, batch: Feeds, lr: number, step: number): Promise<PolicyStepResult> {
    const out = await this.train.run({ ...state, ...batch, [IO.lr]: scalar(lr), [IO.step]: scalar(step) });
    const next: Feeds = {};
    for (const name of Object.keys(state)) next[name] = out[updatedName(name)];
    return { loss: Number(out[IO.loss].data[0]), metrics: this.readMetrics(out), gradNorm: Number(out[IO.gradNorm].data[0]), next };
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
  o: ModelGraphOptions & { build: (g: Graph, params: Params) => Record<string, Value>; runtime?: RuntimeOptions },
): Promise<{ run: (weights: Feeds, batch: Feeds) => Promise<Feeds>; release: () => Promise<void> }> {
  const g = new Graph("posttrain_forward");
  const outputs = o.build(g, declareParams(g, modelSpecs(o)).byName);
  for (const [name, v] of Object.entries(outputs)) g.output(name, v);
  const session = await Session.create(toOnnx(g), o.runtime);
  return { run: (weights, batch) => session.run({ ...weights, ...batch }), release: () => session.release() };
}
