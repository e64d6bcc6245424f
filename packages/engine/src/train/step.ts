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
import { type DropoutFn, type Params, sequenceAttention, transformerLogits } from "../models/transformer.js";
import { tokenCrossEntropy } from "../objectives/crossEntropy.js";
import type { PretrainObjective } from "../objectives/pretraining.js";
import { MOMENT_NAMES, applyOptimizer, parameterGroups } from "../optim/update.js";

export const IO = {
  inputIds: "input_ids",
  targets: "targets",
  lossWeights: "loss_weights",
  /** document masking: int32 [B, T] positions within each document, and the additive mask [B, 1, T, T] */
  positions: "positions",
  attentionMask: "attention_mask",
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
  /**
   * Packed documents (causal LM): per-row positions and an attention mask become inputs, as for packed SFT, and the
   * loss takes per-position weights (`loss_weights`), so a target that begins a document can be left out.
   */
  documentMasking?: boolean;
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

/** What a custom objective builds from the parameters: the loss and any further outputs (metrics), by name. */
export interface CustomLoss {
  loss: Value;
  outputs?: Record<string, Value>;
}

/** Declares the objective's batch inputs on `g` and builds its loss from the parameters. */
export type BuildLoss = (g: Graph, params: Params) => CustomLoss;

export interface CustomStepGraphOptions {
  model: ModelConfig;
  optimizer: OptimizerConfig;
  /** trained tensors besides the transformer's, e.g. a reward model's score head */
  extraParams?: ParamSpec[];
  buildLoss: BuildLoss;
  /** graph name (shows in errors and profiles) */
  name?: string;
}

export interface CustomStepGraph {
  graph: Graph;
  specs: ParamSpec[];
  groups: string[];
  /** names of the objective's further outputs, in the order given */
  outputs: string[];
}

/** Creates an input fed anew every step (batch, dropout masks, lr, step): a graph input, or a slice of a Loop's. */
type PerStepInput = (name: string, dtype: "int32" | "float32" | "uint8", shape: number[]) => Value;

export function stepParameterSpecs(model: ModelConfig, extraParams: ParamSpec[] = []): ParamSpec[] {
  return [...parameterSpecs(model), ...extraParams];
}

/** One float32 input per parameter, named as the parameter. */
export function declareParameters(g: Graph, specs: ParamSpec[]): { list: Value[]; byName: Params } {
  const list = specs.map((s) => g.input(s.name, "float32", s.shape));
  return { list, byName: Object.fromEntries(specs.map((s, i) => [s.name, list[i]])) };
}

/** The pretraining loss (causal or masked LM) over a batch of `batchSize` x contextLength tokens. */
function languageModelLoss(
  g: Graph,
  o: Omit<StepGraphOptions, "optimizer">,
  params: Params,
  training: boolean,
  perStep: PerStepInput,
): CustomLoss & { logits: Value; dropoutSites: DropoutSite[] } {
  const cfg = o.model;
  const T = cfg.contextLength;
  const ids = perStep(IO.inputIds, "int32", [o.batchSize, T]);
  const targets = perStep(IO.targets, "int32", [o.batchSize, T]);
  const weights =
    o.objective === "masked_lm" || o.documentMasking
      ? perStep(IO.lossWeights, "float32", [o.batchSize, T])
      : undefined;
  const dropoutSites: DropoutSite[] = [];
  const dropout: DropoutFn | undefined =
    training && cfg.dropout > 0
      ? (site, shape) => {
          const input = `dropout.${site.replace(/\s+/g, "_")}`;
          dropoutSites.push({ input, shape: [...shape] });
          return op.mul(op.cast(perStep(input, "uint8", [...shape]), "float32"), 1 / (1 - cfg.dropout));
        }
      : undefined;
  // int32 positions (the Loop graph slices int32, float32 and uint8 per-step inputs), int64 for the model
  const positions = o.documentMasking
    ? op.cast(perStep(IO.positions, "int32", [o.batchSize, T]), "int64")
    : g.constant(
        "int64",
        [T],
        Array.from({ length: T }, (_, i) => i),
      );
  const mask = o.documentMasking ? perStep(IO.attentionMask, "float32", [o.batchSize, 1, T, T]) : undefined;
  const logits = transformerLogits(cfg, params, {
    ids,
    positions,
    attend: sequenceAttention(cfg, T, { dropout, mask }),
    dropout,
  });
  return { loss: tokenCrossEntropy(logits, targets, weights), logits, dropoutSites };
}

const graphInputs =
  (g: Graph): PerStepInput =>
  (name, dtype, shape) =>
    g.input(name, dtype, shape);

function optimizerState(g: Graph, specs: ParamSpec[]): [Value, Value][] {
  return specs.map(
    (s) => MOMENT_NAMES.map((m) => g.input(momentName(m, s.name), "float32", s.shape)) as [Value, Value],
  );
}

/** Clipping + optimizer update with inputs `exp_avg.*`, `exp_avg_sq.*`, `lr`, `step`; outputs `new.*` and the statistics. */
function optimizerStep(
  g: Graph,
  optimizer: OptimizerConfig,
  specs: ParamSpec[],
  params: Value[],
  grads: Value[],
): void {
  const moments = optimizerState(g, specs);
  const out = applyOptimizer(optimizer, specs, {
    params,
    grads,
    moments,
    lr: g.input(IO.lr, "float32", []),
    step: g.input(IO.step, "float32", []),
  });
  specs.forEach((s, i) => {
    g.output(updatedName(s.name), out.params[i]);
    MOMENT_NAMES.forEach((m, k) => g.output(updatedName(momentName(m, s.name)), out.moments[i][k]));
  });
  g.output(IO.gradNorm, out.gradNorm);
  g.output(IO.groupGradNorms, out.groupGradNorms);
  g.output(IO.updateRatios, out.updateRatios);
}

function outputLoss(g: Graph, built: CustomLoss): string[] {
  g.output(IO.loss, built.loss);
  for (const [name, v] of Object.entries(built.outputs ?? {})) g.output(name, v);
  return Object.keys(built.outputs ?? {});
}

/**
 * Forward + backward + clipping + optimizer update for any loss over the transformer's parameters (and extra ones).
 * Inputs: the parameters by name, their moments, `lr`, `step`, and whatever `buildLoss` declares; outputs: `loss`,
 * the objective's outputs, `new.<input>` for every parameter and moment, `grad_norm`, `group_grad_norms`,
 * `update_ratios`. Pretraining's step graph is this with the language-model loss.
 */
export function buildCustomStepGraph(o: CustomStepGraphOptions): CustomStepGraph {
  const g = new Graph(o.name ?? "train_step");
  const specs = stepParameterSpecs(o.model, o.extraParams);
  const params = declareParameters(g, specs);
  const built = o.buildLoss(g, params.byName);
  const grads = gradients(built.loss, params.list);
  const outputs = outputLoss(g, built);
  optimizerStep(g, o.optimizer, specs, params.list, grads);
  return { graph: g, specs, groups: parameterGroups(specs), outputs };
}

/** The same loss without gradients or update (evaluation): outputs `loss` and the objective's outputs. */
export function buildCustomEvalGraph(o: Omit<CustomStepGraphOptions, "optimizer">): CustomStepGraph {
  const g = new Graph(o.name ?? "eval");
  const specs = stepParameterSpecs(o.model, o.extraParams);
  const outputs = outputLoss(g, o.buildLoss(g, declareParameters(g, specs).byName));
  return { graph: g, specs, groups: parameterGroups(specs), outputs };
}

export function buildTrainStepGraph(o: StepGraphOptions): StepGraph {
  let dropoutSites: DropoutSite[] = [];
  const step = buildCustomStepGraph({
    model: o.model,
    optimizer: o.optimizer,
    buildLoss: (g, params) => {
      const built = languageModelLoss(g, o, params, true, graphInputs(g));
      dropoutSites = built.dropoutSites;
      return { loss: built.loss };
    },
  });
  return { graph: step.graph, specs: step.specs, groups: step.groups, dropoutSites };
}

export function buildGradientGraph(o: StepGraphOptions, withLogits = false): StepGraph {
  const g = new Graph("gradients");
  const specs = parameterSpecs(o.model);
  const params = declareParameters(g, specs);
  const { loss, logits, dropoutSites } = languageModelLoss(g, o, params.byName, true, graphInputs(g));
  const grads = gradients(loss, params.list);
  g.output(IO.loss, loss);
  if (withLogits) g.output(IO.logits, logits);
  specs.forEach((s, i) => g.output(gradName(s.name), grads[i]));
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites };
}

/** Optimizer update from gradients fed as `grad.<name>` inputs (already averaged over micro-batches). */
export function buildApplyGraph(
  o: Pick<CustomStepGraphOptions, "model" | "optimizer" | "extraParams">,
): StepGraph {
  const g = new Graph("apply_update");
  const specs = stepParameterSpecs(o.model, o.extraParams);
  const params = declareParameters(g, specs).list;
  const grads = specs.map((s) => g.input(gradName(s.name), "float32", s.shape));
  optimizerStep(g, o.optimizer, specs, params, grads);
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites: [] };
}

/** Forward + backward of any loss, no update: outputs `loss`, the objective's outputs and `grad.<param>` (accumulation). */
export function buildCustomGradientGraph(o: Omit<CustomStepGraphOptions, "optimizer">): CustomStepGraph {
  const g = new Graph(o.name ?? "gradients");
  const specs = stepParameterSpecs(o.model, o.extraParams);
  const params = declareParameters(g, specs);
  const built = o.buildLoss(g, params.byName);
  const grads = gradients(built.loss, params.list);
  const outputs = outputLoss(g, built);
  specs.forEach((s, i) => g.output(gradName(s.name), grads[i]));
  return { graph: g, specs, groups: parameterGroups(specs), outputs };
}

export function buildEvalGraph(o: Omit<StepGraphOptions, "optimizer">, withLogits = false): StepGraph {
  const evaluation = buildCustomEvalGraph({
    model: o.model,
    buildLoss: (g, params) => {
      const { loss, logits } = languageModelLoss(g, o, params, false, graphInputs(g));
      const outputs: Record<string, Value> = withLogits ? { [IO.logits]: logits } : {};
      return { loss, outputs };
    },
  });
  return { graph: evaluation.graph, specs: evaluation.specs, groups: evaluation.groups, dropoutSites: [] };
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
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`train loop graph: steps must be a positive integer, got ${steps}`);
  const specs = parameterSpecs(o.model);
  const body = new Graph("train_step_body", "body.");
  const iteration = body.input("iteration", "int64", []);
  const condition = body.input("condition", "bool", []);
  const perStepInputs: TrainLoopGraph["perStepInputs"] = [];
  const perStep: PerStepInput = (name, dtype, shape) => {
    perStepInputs.push({ name, dtype, shape });
    return op.gather(body.outerInput(allStepsName(name), dtype, [steps, ...shape]), iteration);
  };
  const params = declareParameters(body, specs);
  const { loss, dropoutSites } = languageModelLoss(body, o, params.byName, true, perStep);
  const grads = gradients(loss, params.list);
  const moments = optimizerState(body, specs);
  const out = applyOptimizer(o.optimizer, specs, {
    params: params.list,
    grads,
    moments,
    lr: perStep(IO.lr, "float32", []),
    step: perStep(IO.step, "float32", []),
  });
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
    ...specs.flatMap((s) => [
      g.input(momentName("exp_avg", s.name), "float32", s.shape),
      g.input(momentName("exp_avg_sq", s.name), "float32", s.shape),
    ]),
  ];
  for (const p of perStepInputs) g.input(allStepsName(p.name), p.dtype, [steps, ...p.shape]);
  const results = g.node(
    "Loop",
    [g.constant("int64", [], [steps]), g.constant("bool", [], [1]), ...carried],
    [
      ...carried.map((c) => ({ dtype: c.dtype, shape: c.shape })),
      ...scans.map((v) => ({ dtype: v.dtype, shape: [steps, ...v.shape] })),
    ],
    { body: { kind: "graph", value: body } },
  );
  carried.forEach((c, i) => g.output(updatedName(c.inputName!), results[i]));
  [IO.loss, IO.gradNorm, IO.groupGradNorms, IO.updateRatios].forEach((name, i) =>
    g.output(name, results[carried.length + i]),
  );
  return { graph: g, specs, groups: parameterGroups(specs), dropoutSites, steps, perStepInputs };
}
