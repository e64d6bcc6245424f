/**
 * The optimizer part of a step graph: global-norm clipping, then AdamW or LAMB per tensor, all as plain ONNX ops.
 * Besides the new parameters and moments it returns the statistics the loop logs: the global gradient norm
 * (before clipping), and per layer group the gradient norm and the update/weight ratio |dW| / |W|.
 */
import type { OptimizerConfig } from "../config/pretrain.js";
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import type { ParamSpec } from "../models/parameters.js";

/** Names of the two moment tensors per parameter, as PyTorch's AdamW state calls them. */
export const MOMENT_NAMES = ["exp_avg", "exp_avg_sq"] as const;

export interface OptimizerInputs {
  params: Value[];
  grads: Value[];
  /** exp_avg and exp_avg_sq per parameter */
  moments: [Value, Value][];
  /** learning rate and the 1-based update number (float scalars) */
  lr: Value;
  step: Value;
}

export interface OptimizerOutputs {
  params: Value[];
  moments: [Value, Value][];
  gradNorm: Value;
  /** [groups] in the order of `groups` */
  groupGradNorms: Value;
  updateRatios: Value;
}

/** The layer groups in first-seen order. */
export function parameterGroups(specs: readonly ParamSpec[]): string[] {
  return [...new Set(specs.map((s) => s.group))];
}

export function decays(spec: ParamSpec, cfg: OptimizerConfig): boolean {
  return spec.role === "matrix" || (spec.role === "embedding" && cfg.decayEmbeddings);
}

function groupNorms(specs: readonly ParamSpec[], squares: Value[]): Value {
  const groups = parameterGroups(specs);
  const norms = groups.map((group) => op.sqrt(op.sum(squares.filter((_, i) => specs[i].group === group))));
  return op.concat(
    norms.map((n) => op.reshape(n, [1])),
    0,
  );
}

export function applyOptimizer(
  cfg: OptimizerConfig,
  specs: readonly ParamSpec[],
  x: OptimizerInputs,
): OptimizerOutputs {
  const g = x.lr.graph;
  return g.within("optimizer", () => {
    const squares = x.grads.map((gr) => op.reduceSumSquare(gr, null));
    const gradNorm = op.sqrt(op.sum(squares));
    // torch.nn.utils.clip_grad_norm_: scale by min(1, max_norm / (norm + 1e-6))
    const clip = op.min(op.div(cfg.maxGradNorm, op.add(gradNorm, 1e-6)), 1);
    const bc1 = op.sub(1, op.pow(g.scalar(cfg.beta1, "float32"), x.step));
    const bc2 = op.sub(1, op.pow(g.scalar(cfg.beta2, "float32"), x.step));
    const params: Value[] = [];
    const moments: [Value, Value][] = [];
    x.params.forEach((p, i) => {
      const spec = specs[i];
      const grad = op.mul(x.grads[i], clip);
      const [m0, v0] = x.moments[i];
      const m = op.add(op.mul(m0, cfg.beta1), op.mul(grad, 1 - cfg.beta1));
      const v = op.add(op.mul(v0, cfg.beta2), op.mul(op.mul(grad, grad), 1 - cfg.beta2));
      const wd = decays(spec, cfg) ? cfg.weightDecay : 0;
      params.push(
        cfg.name === "adamw"
          ? adamw(p, m, v, wd, x.lr, bc1, bc2, cfg.eps)
          : lamb(p, m, v, wd, x.lr, bc1, bc2, cfg.eps),
      );
      moments.push([m, v]);
    });
    const updateSquares = params.map((p, i) => op.reduceSumSquare(op.sub(p, x.params[i]), null));
    const weightSquares = x.params.map((p) => op.reduceSumSquare(p, null));
    const updateRatios = op.div(
      groupNorms(specs, updateSquares),
      op.max(groupNorms(specs, weightSquares), 1e-12),
    );
    return { params, moments, gradNorm, groupGradNorms: groupNorms(specs, squares), updateRatios };
  });
}

/** PyTorch AdamW: p(1 - lr wd) - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps). */
function adamw(
  p: Value,
  m: Value,
  v: Value,
  wd: number,
  lr: Value,
  bc1: Value,
  bc2: Value,
  eps: number,
): Value {
  const decayed = wd > 0 ? op.mul(p, op.sub(1, op.mul(lr, wd))) : p;
  const denom = op.add(op.div(op.sqrt(v), op.sqrt(bc2)), eps);
  return op.sub(decayed, op.mul(op.div(lr, bc1), op.div(m, denom)));
}

/**
 * LAMB (You et al. 2019, "Large batch optimization for deep learning", Algorithm 2 with Adam bias correction):
 * r = m_hat / (sqrt(v_hat) + eps) + wd p; p - lr * (|p| / |r|) * r, with trust ratio 1 where either norm is 0.
 */
function lamb(
  p: Value,
  m: Value,
  v: Value,
  wd: number,
  lr: Value,
  bc1: Value,
  bc2: Value,
  eps: number,
): Value {
  const adam = op.div(op.div(m, bc1), op.add(op.sqrt(op.div(v, bc2)), eps));
  const r = wd > 0 ? op.add(adam, op.mul(p, wd)) : adam;
  const pNorm = op.sqrt(op.reduceSumSquare(p, null));
  const rNorm = op.sqrt(op.reduceSumSquare(r, null));
  const trust = op.where(
    op.greater(op.mul(pNorm, rNorm), 0),
    op.div(pNorm, op.max(rNorm, 1e-30)),
    p.graph.scalar(1, p.dtype),
  );
  return op.sub(p, op.mul(op.mul(lr, trust), r));
}
