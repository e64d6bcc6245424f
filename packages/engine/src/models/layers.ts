/**
 * The parts every block is built from, shared by the pre-norm decoder (transformer.ts) and the post-norm encoder
 * (bert.ts): linear maps in either storage layout, the norms, activations, rotary positions, attention and MLP.
 */
import type { ModelConfig } from "../config/model.js";
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import type { BlockNames } from "./parameters.js";
import type { DropoutFn, ForwardInputs, Params } from "./transformer.js";

export function param(params: Params, name: string): Value {
  const p = params[name];
  if (!p) throw new Error(`model: parameter ${name} is missing`);
  return p;
}

export function withDropout(x: Value, site: string, dropout?: DropoutFn): Value {
  const mask = dropout?.(site, x.shape);
  return mask ? op.mul(x, mask) : x;
}

/** x @ W (+ b), with W stored [in, out] (gpt2 layout) or [out, in] (llama and bert layouts). */
export function linear(cfg: ModelConfig, params: Params, base: string, x: Value): Value {
  const w = param(params, `${base}.weight`);
  const y = op.matmul(x, cfg.layout === "gpt2" ? w : op.transposeLast(w));
  return cfg.bias ? op.add(y, param(params, `${base}.bias`)) : y;
}

export function norm(cfg: ModelConfig, params: Params, base: string, x: Value): Value {
  const w = param(params, `${base}.weight`);
  if (cfg.norm === "layernorm") return op.layerNorm(x, w, param(params, `${base}.bias`), cfg.normEps);
  // RMSNorm as Hugging Face's LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * w
  const rms = op.sqrt(op.add(op.reduceMean(op.mul(x, x), [-1], true), cfg.normEps));
  return op.mul(op.div(x, rms), w);
}

export function activation(cfg: ModelConfig, x: Value): Value {
  if (cfg.mlp === "gelu") return op.mul(op.mul(x, 0.5), op.add(op.erf(op.mul(x, Math.SQRT1_2)), 1));
  // tanh approximation, GPT-2's "gelu_new": one fused kernel where ONNX Runtime has it (float32)
  if (x.dtype === "float32") return op.fastGelu(x);
  const inner = op.mul(op.add(x, op.mul(op.mul(op.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return op.mul(op.mul(x, 0.5), op.add(op.tanh(inner), 1));
}

/** x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x2, x1]; x [B,heads,S,hd], tables [S,hd]. */
function rotate(x: Value, cos: Value, sin: Value): Value {
  const half = x.shape[x.rank - 1] / 2;
  const [x1, x2] = op.split(x, -1, [half, half]);
  return op.add(op.mul(x, cos), op.mul(op.concat([op.neg(x2), x1], -1), sin));
}

/** [B,S,heads*hd] -> [B,heads,S,hd] */
function toHeads(x: Value, heads: number): Value {
  const [B, S, W] = x.shape;
  return op.transpose(op.reshape(x, [B, S, heads, W / heads]), [0, 2, 1, 3]);
}

export function attentionBlock(
  cfg: ModelConfig,
  params: Params,
  names: BlockNames,
  layer: number,
  h: Value,
  rope: { cos: Value; sin: Value } | null,
  inputs: ForwardInputs,
): Value {
  const qWidth = cfg.heads * cfg.headDim;
  const kvWidth = cfg.kvHeads * cfg.headDim;
  let q: Value, k: Value, v: Value;
  if (typeof names.qkv === "string")
    [q, k, v] = op.split(linear(cfg, params, names.qkv, h), -1, [qWidth, kvWidth, kvWidth]);
  else
    [q, k, v] = [
      linear(cfg, params, names.qkv.q, h),
      linear(cfg, params, names.qkv.k, h),
      linear(cfg, params, names.qkv.v, h),
    ];
  q = toHeads(q, cfg.heads);
  k = toHeads(k, cfg.kvHeads);
  v = toHeads(v, cfg.kvHeads);
  if (rope) {
    q = rotate(q, rope.cos, rope.sin);
    k = rotate(k, rope.cos, rope.sin);
  }
  const y = inputs.attend(layer, q, k, v); // [B,H,S,hd]
  const [B, , S] = y.shape;
  const merged = op.reshape(op.transpose(y, [0, 2, 1, 3]), [B, S, qWidth]);
  return linear(cfg, params, names.out, merged);
}

export function mlpBlock(cfg: ModelConfig, params: Params, names: BlockNames, h: Value): Value {
  const up = linear(cfg, params, names.up, h);
  const hidden = names.gate ? op.mul(silu(linear(cfg, params, names.gate, h)), up) : activation(cfg, up);
  return linear(cfg, params, names.down, hidden);
}

function silu(x: Value): Value {
  return op.mul(x, op.sigmoid(x));
}
