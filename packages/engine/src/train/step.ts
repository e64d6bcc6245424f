/**
 * The graphs a training run executes, each compiled to one ONNX model:
 *   train step  forward + backward + global-norm clipping + optimizer update, one session.run per update
 *   gradients   forward + backward only (gradient accumulation over micro-batches; parity tests)
 *   apply       clipping + optimizer update from accumulated gradients
 *   eval        forward + loss, no dropout
 * Input and output names are the constants below, so the loop, the tests and other tools agree on them.
 */
import type { ModelConfig } from "../config/model.js";
import type { OptimizerConfig } from "../config/pretrain.js";
import { gradients } from "../autodiff/gradients.js";
import { Graph, type Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { type ParamSpec, parameterSpecs } from "../models/parameters.js";
import { sequenceAttention, transformerLogits, type DropoutFn } from "../models/transformer.js";
import { tokenCrossEntropy } from "../objectives/crossEntropy.js";
import type { PretrainObjective } from "../objectives/pretraining.js";
import { MOMENT_NAMES, applyOptimizer, parameterGroups } from "../optim/update.js";

export const IO = {
  inputIds: "input_ids",
  targets: "targets",
  lossWeights: "loss_weights",
  lr: "lr",
  step: "step",
  loss: "loss",
  logits: "logits",
  gradNorm: "grad_norm",
  groupGradNorms: "group_grad_norms",
  updateRatios: "update_ratios",
} as const;

export const gradName = (param: string) => `grad.${param}`;
export const momentName = (moment: (typeof MOMENT_NAMES)[number], param: string) => `${moment}.${param}`;
/** Output name of the updated value of an input (parameter or moment). */
export const updatedName = (input: string) => `new.${input}`;

export interface StepGraphOptions {
  model: ModelConfig;
  objective: PretrainObjective;
  /** sequences per session.run */
  batchSize: number;
  optimizer: OptimizerConfig;
}

/** A dropout mask input: uint8 keep-flags the loop draws from its Rng each step. */
export interface DropoutSite {
  input: string;
  shape: number[];
}

export interface StepGraph {
  graph: Graph;
  specs: ParamSpec[];
  groups: string[];
  dropoutSites: DropoutSite[];
}

interface LossGraph {
  params: Value[];
  loss: Value;
  logits: Value;
  dropoutSites: DropoutSite[];
}

/** Creates an input fed anew every step (batch, dropout masks, lr, step): a graph input, or a slice of a Loop's. */
type PerStepInput = (name: string, dtype: "int32" | "float32" | "uint8", shape: number[]) => Value;

function lossGraph(g: Graph, o: Omit<StepGraphOptions, "optimizer">, training: boolean, perStep: PerStepInput): LossGraph {
  const cfg = o.model;
  const T = cfg.contextLength;
  const specs = parameterSpecs(cfg);
  const params = specs.map((s) => g.input(s.name, "float32", s.shape));
  const byName = Object.fromEntries(specs.map((s, i) => [s.name, params[i]]));
  const ids = perStep(IO.inputIds, "int32", [o.batchSize, T]);
  const targets = perStep(IO.targets, "int32", [o.batchSize, T]);
  const weights = o.objective === "masked_lm" ? perStep(IO.lossWeights, "float32", [o.batchSize, T]) : undefined;
  const dropoutSites: DropoutSite[] = [];
  const dropout: DropoutFn | undefined =
    training && cfg.dropout > 0
      ? (site, shape) => {
          const input = `dropout.${site.replace(/\s+/g, "_")}`;
          dropoutSites.push({ input, shape: [...shape] });
          return op.mul(op.cast(perStep(input, "uint8", [...shape]), "float32"), 1 / (1 - cfg.dropout));
        }
      : undefined;
  const positions = g.constant("int64", [T], Array.from({ length: T }, (_, i) => i));
  const logits = transformerLogits(cfg, byName, { ids, positions, attend: sequenceAttention(cfg, T, dropout), dropout });
  return { params, loss: tokenCrossEntropy(logits, targets, weights), logits, dropoutSites };
}

const graphInputs =
  (g: Graph): PerStepInput =>
  (name, dtype, shape) =>
    g.input(name, dtype, shape);

function optimizerState(g: Graph, specs: ParamSpec[]): [Value, Value][] {
  return specs.map((s) => [g.input(momentName("exp_avg", s.name), "float32", s.shape), g.input(momentName("exp_avg_sq", s.name), "float32", s.shape)]);
}

function optimizerStep(g: Graph, o: StepGraphOptions, specs: ParamSpec[], params: Value[], grads: Value[], perStep: PerStepInput): void {
  const moments = optimizerState(g, specs);
  const out = applyOptimizer(o.optimizer, specs, { params, grads, moments, lr: perStep(IO.lr, "float32", []), step: perStep(IO.step, "float32", []) });
  specs.forEach((s, i) => {
    g.output(updatedName(s.name), out.params[i]);
    g.output(updatedName(momentName("exp_avg", s.name)), out.moments[i][0]);
    g.output(updatedName(momentName("exp_avg_sq", s.name)), out.moments[i][1]);
  });
  g.output(IO.gradNorm, out.gradNorm);
  g.output(IO.groupGradNorms, out.groupGradNorms);
  g.output(IO.updateRatios, out.updateRatios);
}

export function buildTrainStepGraph(o: StepGraphOptions): StepGraph {
  const g = new Graph("train_step");
  const specs = parameterSpecs(o.model);
  const { params, loss, dropoutSites } = lossGraph(g, o, true, graphInputs(g));
  const grads = gradients(loss, params);
  g.output(IO.loss, loss);
  optimizerStep(g, o, specs, params, grads, graphInputs(g));
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites };
}

export function buildGradientGraph(o: StepGraphOptions, withLogits = false): StepGraph {
  const g = new Graph("gradients");
  const specs = parameterSpecs(o.model);
  const { params, loss, logits, dropoutSites } = lossGraph(g, o, true, graphInputs(g));
  const grads = gradients(loss, params);
  g.output(IO.loss, loss);
  if (withLogits) g.output(IO.logits, logits);
  specs.forEach((s, i) => g.output(gradName(s.name), grads[i]));
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites };
}

/** Optimizer update from gradients fed as `grad.<name>` inputs (already averaged over micro-batches). */
export function buildApplyGraph(o: StepGraphOptions): StepGraph {
  const g = new Graph("apply_update");
  const specs = parameterSpecs(o.model);
  const params = specs.map((s) => g.input(s.name, "float32", s.shape));
  const grads = specs.map((s) => g.input(gradName(s.name), "float32", s.shape));
  optimizerStep(g, o, specs, params, grads, graphInputs(g));
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites: [] };
}

export function buildEvalGraph(o: Omit<StepGraphOptions, "optimizer">, withLogits = false): StepGraph {
  const g = new Graph("eval");
  const specs = parameterSpecs(o.model);
  const { loss, logits } = lossGraph(g, o, false, graphInputs(g));
  g.output(IO.loss, loss);
  if (withLogits) g.output(IO.logits, logits);
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites: [] };
}

/** Name of the whole-run input of a per-step input in the K-step graph: [K, ...shape]. */
export const allStepsName = (input: string) => `${input}_all`;

export interface TrainLoopGraph extends StepGraph {
  steps: number;
  /** per-step inputs, each fed as allStepsName(name) with a leading axis of `steps` */
  perStepInputs: { name: string; dtype: "int32" | "float32" | "uint8"; shape: number[] }[];
}

/**
 * K training steps in one session.run: an ONNX Loop whose body is the train step. Parameters and moments are
 * loop-carried, so they stay inside ONNX Runtime between steps (on a GPU they never cross to the host); per-step
 * inputs come as `<name>_all` with a leading K axis. Outputs: `new.<input>` for every parameter and moment, and
 * loss / grad_norm [K], group_grad_norms / update_ratios [K, groups].
 */
export function buildTrainLoopGraph(o: StepGraphOptions, steps: number): TrainLoopGraph {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`train loop graph: steps must be a positive integer, got ${steps}`);
  const specs = parameterSpecs(o.model);
  const body = new Graph("train_step_body", "body.");
  const iteration = body.input("iteration", "int64", []);
  const condition = body.input("condition", "bool", []);
  const perStepInputs: TrainLoopGraph["perStepInputs"] = [];
  const perStep: PerStepInput = (name, dtype, shape) => {
    perStepInputs.push({ name, dtype, shape });
    return op.gather(body.outerInput(allStepsName(name), dtype, [steps, ...shape]), iteration);
  };
  const { params, loss, dropoutSites } = lossGraph(body, o, true, perStep);
  const grads = gradients(loss, params);
  const moments = optimizerState(body, specs);
  const out = applyOptimizer(o.optimizer, specs, { params, grads, moments, lr: perStep(IO.lr, "float32", []), step: perStep(IO.step, "float32", []) });
  // Body outputs: the condition, the carried values in the order of the body inputs, then the per-step (scan) values.
  body.output("body.condition_out", op.identity(condition));
  specs.forEach((s, i) => body.output(`body.${updatedName(s.name)}`, out.params[i]));
  specs.forEach((s, i) => {
    body.output(`body.${updatedName(momentName("exp_avg", s.name))}`, out.moments[i][0]);
    body.output(`body.${updatedName(momentName("exp_avg_sq", s.name))}`, out.moments[i][1]);
  });
  const scans = [loss, out.gradNorm, out.groupGradNorms, out.updateRatios];
  scans.forEach((v, i) => body.output(`body.scan_${i}`, v));

  const g = new Graph("train_loop");
  const carried = [
    ...specs.map((s) => g.input(s.name, "float32", s.shape)),
    ...specs.flatMap((s) => [g.input(momentName("exp_avg", s.name), "float32", s.shape), g.input(momentName("exp_avg_sq", s.name), "float32", s.shape)]),
  ];
  for (const p of perStepInputs) g.input(allStepsName(p.name), p.dtype, [steps, ...p.shape]);
  const results = g.node(
    "Loop",
    [g.constant("int64", [], [steps]), g.constant("bool", [], [1]), ...carried],
    [...carried.map((c) => ({ dtype: c.dtype, shape: c.shape })), ...scans.map((v) => ({ dtype: v.dtype, shape: [steps, ...v.shape] }))],
    { body: { kind: "graph", value: body } },
  );
  carried.forEach((c, i) => g.output(updatedName(c.inputName!), results[i]));
  [IO.loss, IO.gradNorm, IO.groupGradNorms, IO.updateRatios].forEach((name, i) => g.output(name, results[carried.length + i]));
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites, steps, perStepInputs };
}
