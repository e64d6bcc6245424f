/**
 * The transformer, in one readable pass: embeddings, `layers` pre-norm blocks (attention + MLP, each a residual
 * branch) and the LM head. The switches of ModelConfig pick each part; the bert layout is the post-norm encoder of
 * bert.ts, built from the same blocks (layers.ts). How attention sees keys and values is passed
 * in (`attend`), so training (whole sequence, causal or bidirectional mask) and generation (KV cache) share this code.
 */
import type { ModelConfig } from "../config/model.js";
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { bertHead, bertHidden } from "./bert.js";
import { attentionBlock, mlpBlock, norm, param, withDropout } from "./layers.js";
import { modelNames } from "./parameters.js";

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

/** Final hidden states [B, S, width] after the last norm. */
export function transformerHidden(cfg: ModelConfig, params: Params, inputs: ForwardInputs): Value {
  if (cfg.layout === "bert") return bertHidden(cfg, params, inputs);
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
  const finalNorm = names.finalNorm;
  return finalNorm ? g.within("final norm", () => norm(cfg, params, finalNorm, x)) : x;
}

/** Logits [B, S, vocab] from hidden states (tied or separate head, both stored [vocab, width]). */
export function lmHead(cfg: ModelConfig, params: Params, hidden: Value): Value {
  if (cfg.layout === "bert") return bertHead(cfg, params, hidden);
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
