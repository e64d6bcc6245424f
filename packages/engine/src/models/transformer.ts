/**
 * The transformer, in one readable pass: embeddings, `layers` pre-norm blocks (attention + MLP, each a residual
 * branch) and the LM head. The switches of ModelConfig pick each part. How attention sees keys and values is passed
 * in (`attend`), so training (whole sequence, causal or bidirectional mask) and generation (KV cache) share this code.
 */
import type { ModelConfig } from "../config/model.js";
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { type BlockNames, modelNames } from "./parameters.js";

/** q [B,H,S,hd], k and v [B,KV,S,hd] for the new positions -> attention output [B,H,S,hd]. */
export type AttendFn = (layer: number, q: Value, k: Value, v: Value) => Value;

/** A dropout multiplier (mask already scaled by 1/(1-p)) for a site, or null when dropout is off. */
export type DropoutFn = (site: string, shape: readonly number[]) => Value | null;

export interface ForwardInputs {
  /** token ids [B, S], int32 */
  ids: Value;
  /** positions of the S tokens, int64: [S] for every row, or [B, S] per row (packed sequences restart at 0) */
  positions: Value;
  attend: AttendFn;
  dropout?: DropoutFn;
}

export type Params = Record<string, Value>;

function param(params: Params, name: string): Value {
  const p = params[name];
  if (!p) throw new Error(`model: parameter ${name} is missing`);
  return p;
}

function withDropout(x: Value, site: string, dropout?: DropoutFn): Value {
  const mask = dropout?.(site, x.shape);
  return mask ? op.mul(x, mask) : x;
}

/** x @ W (+ b), with W stored [in, out] (gpt2 layout) or [out, in] (llama layout). */
function linear(cfg: ModelConfig, params: Params, base: string, x: Value): Value {
  const w = param(params, `${base}.weight`);
  const y = op.matmul(x, cfg.layout === "gpt2" ? w : op.transposeLast(w));
  return cfg.bias ? op.add(y, param(params, `${base}.bias`)) : y;
}

function norm(cfg: ModelConfig, params: Params, base: string, x: Value): Value {
  const w = param(params, `${base}.weight`);
  if (cfg.norm === "layernorm") return op.layerNorm(x, w, param(params, `${base}.bias`), cfg.normEps);
  // RMSNorm as Hugging Face's LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * w
  const rms = op.sqrt(op.add(op.reduceMean(op.mul(x, x), [-1], true), cfg.normEps));
  return op.mul(op.div(x, rms), w);
}

function activation(cfg: ModelConfig, x: Value): Value {
  if (cfg.mlp === "gelu") return op.mul(op.mul(x, 0.5), op.add(op.erf(op.mul(x, Math.SQRT1_2)), 1));
  // tanh approximation, GPT-2's "gelu_new": one fused kernel where ONNX Runtime has it (float32)
  if (x.dtype === "float32") return op.fastGelu(x);
  const inner = op.mul(op.add(x, op.mul(op.mul(op.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return op.mul(op.mul(x, 0.5), op.add(op.tanh(inner), 1));
}

/** cos and sin tables [contextLength, headDim] in Hugging Face's rotate-half convention. */
export function rotaryTables(cfg: ModelConfig): { cos: Float32Array; sin: Float32Array } {
  const hd = cfg.headDim;
  const cos = new Float32Array(cfg.contextLength * hd);
  const sin = new Float32Array(cfg.contextLength * hd);
  for (let p = 0; p < cfg.contextLength; p++) {
    for (let i = 0; i < hd / 2; i++) {
      const angle = p * Math.pow(cfg.ropeTheta, (-2 * i) / hd);
      for (const j of [i, i + hd / 2]) {
        cos[p * hd + j] = Math.cos(angle);
        sin[p * hd + j] = Math.sin(angle);
      }
    }
  }
  return { cos, sin };
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

function attentionBlock(
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

function mlpBlock(cfg: ModelConfig, params: Params, names: BlockNames, h: Value): Value {
  const up = linear(cfg, params, names.up, h);
  const hidden = names.gate ? op.mul(silu(linear(cfg, params, names.gate, h)), up) : activation(cfg, up);
  return linear(cfg, params, names.down, hidden);
}

function silu(x: Value): Value {
  return op.mul(x, op.sigmoid(x));
}

/** Final hidden states [B, S, width] after the last norm. */
export function transformerHidden(cfg: ModelConfig, params: Params, inputs: ForwardInputs): Value {
  const g = inputs.ids.graph;
  const names = modelNames(cfg);
  let x = g.within("embeddings", () => {
    const tokens = op.gather(param(params, names.tokens), inputs.ids);
    const withPositions =
      cfg.positions === "learned"
        ? op.add(tokens, op.gather(param(params, names.positions), inputs.positions))
        : tokens;
    return withDropout(withPositions, "embeddings", inputs.dropout);
  });
  const rope =
    cfg.positions === "rotary"
      ? g.within("rotary", () => {
          const t = rotaryTables(cfg);
          // [S, hd] broadcasts over [B, heads, S, hd]; per-row [B, S, hd] needs the heads axis
          const table = (data: Float32Array) => {
            const rows = op.gather(
              g.constant("float32", [cfg.contextLength, cfg.headDim], data),
              inputs.positions,
            );
            return inputs.positions.rank === 2 ? op.unsqueeze(rows, 1) : rows;
          };
          return { cos: table(t.cos), sin: table(t.sin) };
        })
      : null;
  for (let i = 0; i < cfg.layers; i++) {
    const b = names.block(i);
    x = g.within(`block ${i} attention`, () => {
      const branch = attentionBlock(cfg, params, b, i, norm(cfg, params, b.norm1, x), rope, inputs);
      return op.add(x, withDropout(branch, `block ${i} attention output`, inputs.dropout));
    });
    x = g.within(`block ${i} mlp`, () => {
      const branch = mlpBlock(cfg, params, b, norm(cfg, params, b.norm2, x));
      return op.add(x, withDropout(branch, `block ${i} mlp output`, inputs.dropout));
    });
  }
  return g.within("final norm", () => norm(cfg, params, names.finalNorm, x));
}

/** Logits [B, S, vocab] from hidden states (tied or separate head, both stored [vocab, width]). */
export function lmHead(cfg: ModelConfig, params: Params, hidden: Value): Value {
  const names = modelNames(cfg);
  return hidden.graph.within("lm head", () =>
    op.matmul(hidden, op.transposeLast(param(params, cfg.tiedHead ? names.tokens : names.head))),
  );
}

export function transformerLogits(cfg: ModelConfig, params: Params, inputs: ForwardInputs): Value {
  return lmHead(cfg, params, transformerHidden(cfg, params, inputs));
}

/** [B,KV,S,hd] -> [B,H,S,hd]: each key/value head serves heads/KV query heads (grouped-query attention). */
export function repeatKv(x: Value, heads: number): Value {
  const [B, KV, S, hd] = x.shape;
  if (KV === heads) return x;
  const rep = heads / KV;
  return op.reshape(op.expand(op.reshape(x, [B, KV, 1, S, hd]), [B, KV, rep, S, hd]), [B, heads, S, hd]);
}

export interface SequenceAttentionOptions {
  /** dropout on the attention probabilities (training graphs) */
  dropout?: DropoutFn;
  /**
   * An additive mask [B, 1, S, S] (0 = attend, -1e9 = not) that replaces the constant one, e.g. block-diagonal
   * causal for packed sequences.
   */
  mask?: Value;
}

/**
 * Attention over a whole sequence at once (training and evaluation): scores scaled by 1/sqrt(hd), an additive
 * mask (the given one, else a constant causal mask for decoders), softmax, dropout on the probabilities.
 */
export function sequenceAttention(
  cfg: ModelConfig,
  seqLen: number,
  o: SequenceAttentionOptions = {},
): AttendFn {
  let mask: Value | null = o.mask ?? null;
  return (layer, q, k, v) => {
    const g = q.graph;
    if (cfg.attention === "causal" && !mask) {
      const m = new Float32Array(seqLen * seqLen);
      for (let i = 0; i < seqLen; i++) for (let j = i + 1; j < seqLen; j++) m[i * seqLen + j] = -1e9;
      mask = g.constant("float32", [seqLen, seqLen], m);
    }
    // scaling q [B,H,S,hd] rather than the scores [B,H,S,S]: fewer elements whenever S > hd
    const scores = op.matmul(op.mul(q, 1 / Math.sqrt(cfg.headDim)), op.transposeLast(repeatKv(k, cfg.heads)));
    const probs = op.softmax(mask ? op.add(scores, mask) : scores);
    return op.matmul(withDropout(probs, `block ${layer} attention probs`, o.dropout), repeatKv(v, cfg.heads));
  };
}
