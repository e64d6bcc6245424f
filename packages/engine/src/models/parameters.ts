/**
 * The transformer's parameters: Hugging Face tensor names and layouts per layout family, the role of each tensor
 * (which decides initialisation and weight decay) and the layer group it belongs to (for per-layer statistics).
 */
import type { ModelConfig } from "../config/model.js";
import type { Rng } from "../util/rng.js";

export type ParamRole = "embedding" | "matrix" | "norm" | "bias";

export interface ParamSpec {
  name: string;
  shape: number[];
  role: ParamRole;
  /** layer group for per-layer gradient norms and update ratios: "embeddings", "block 0", ..., "head" */
  group: string;
  fanIn: number;
  fanOut: number;
  /** an output projection of a residual branch: GPT-2 scales its initial std by 1/sqrt(2 x layers) */
  residualOutput?: boolean;
}

/** Names of one block's tensors (without the .weight / .bias suffix). */
export interface BlockNames {
  /** before attention (pre-norm), or after the attention residual (bert's post-norm) */
  norm1: string;
  /** before the MLP (pre-norm), or after the MLP residual (bert's post-norm) */
  norm2: string;
  /** gpt2 layout: one fused projection; llama layout: three */
  qkv: string | { q: string; k: string; v: string };
  out: string;
  up: string;
  gate: string | null;
  down: string;
}

export interface ModelNames {
  tokens: string;
  positions: string;
  /** null for bert: its post-norm blocks end normalised */
  finalNorm: string | null;
  head: string;
  block(i: number): BlockNames;
  /** bert only: segment embeddings, the embedding norm and the MLM head transform (dense, norm, output bias) */
  bert?: {
    segments: string;
    embeddingNorm: string;
    transform: string;
    transformNorm: string;
    headBias: string;
  };
}

/** BERT's segment (token type) embedding rows; the engine always feeds segment 0, as HF does by default. */
export const BERT_SEGMENTS = 2;

export function modelNames(cfg: ModelConfig): ModelNames {
  if (cfg.layout === "gpt2") {
    return {
      tokens: "transformer.wte.weight",
      positions: "transformer.wpe.weight",
      finalNorm: "transformer.ln_f",
      head: "lm_head.weight",
      block: (i) => ({
        norm1: `transformer.h.${i}.ln_1`,
        norm2: `transformer.h.${i}.ln_2`,
        qkv: `transformer.h.${i}.attn.c_attn`,
        out: `transformer.h.${i}.attn.c_proj`,
        up: `transformer.h.${i}.mlp.c_fc`,
        gate: cfg.mlp === "swiglu" ? `transformer.h.${i}.mlp.c_gate` : null,
        down: `transformer.h.${i}.mlp.c_proj`,
      }),
    };
  }
  if (cfg.layout === "bert") {
    const layer = (i: number) => `bert.encoder.layer.${i}`;
    return {
      tokens: "bert.embeddings.word_embeddings.weight",
      positions: "bert.embeddings.position_embeddings.weight",
      finalNorm: null,
      head: "cls.predictions.decoder.weight",
      block: (i) => ({
        norm1: `${layer(i)}.attention.output.LayerNorm`,
        norm2: `${layer(i)}.output.LayerNorm`,
        qkv: {
          q: `${layer(i)}.attention.self.query`,
          k: `${layer(i)}.attention.self.key`,
          v: `${layer(i)}.attention.self.value`,
        },
        out: `${layer(i)}.attention.output.dense`,
        up: `${layer(i)}.intermediate.dense`,
        gate: null,
        down: `${layer(i)}.output.dense`,
      }),
      bert: {
        segments: "bert.embeddings.token_type_embeddings.weight",
        embeddingNorm: "bert.embeddings.LayerNorm",
        transform: "cls.predictions.transform.dense",
        transformNorm: "cls.predictions.transform.LayerNorm",
        headBias: "cls.predictions.bias",
      },
    };
  }
  return {
    tokens: "model.embed_tokens.weight",
    positions: "model.embed_positions.weight",
    finalNorm: "model.norm",
    head: "lm_head.weight",
    block: (i) => ({
      norm1: `model.layers.${i}.input_layernorm`,
      norm2: `model.layers.${i}.post_attention_layernorm`,
      qkv: {
        q: `model.layers.${i}.self_attn.q_proj`,
        k: `model.layers.${i}.self_attn.k_proj`,
        v: `model.layers.${i}.self_attn.v_proj`,
      },
      out: `model.layers.${i}.self_attn.o_proj`,
      up: `model.layers.${i}.mlp.up_proj`,
      gate: cfg.mlp === "swiglu" ? `model.layers.${i}.mlp.gate_proj` : null,
      down: `model.layers.${i}.mlp.down_proj`,
    }),
  };
}

/** Every parameter in a fixed order (the order initial weights are drawn in). */
export function parameterSpecs(cfg: ModelConfig): ParamSpec[] {
  const names = modelNames(cfg);
  const C = cfg.width;
  const specs: ParamSpec[] = [];
  const push = (s: ParamSpec) => specs.push(s);
  const norm = (base: string, group: string) => {
    push({ name: `${base}.weight`, shape: [C], role: "norm", group, fanIn: C, fanOut: C });
    if (cfg.norm === "layernorm")
      push({ name: `${base}.bias`, shape: [C], role: "bias", group, fanIn: C, fanOut: C });
  };
  // A linear map in -> out, stored [in, out] (gpt2 Conv1D) or [out, in] (llama nn.Linear).
  const linear = (base: string, fanIn: number, fanOut: number, group: string, residualOutput = false) => {
    const shape = cfg.layout === "gpt2" ? [fanIn, fanOut] : [fanOut, fanIn];
    push({ name: `${base}.weight`, shape, role: "matrix", group, fanIn, fanOut, residualOutput });
    if (cfg.bias) push({ name: `${base}.bias`, shape: [fanOut], role: "bias", group, fanIn, fanOut });
  };

  push({
    name: names.tokens,
    shape: [cfg.vocabSize, C],
    role: "embedding",
    group: "embeddings",
    fanIn: cfg.vocabSize,
    fanOut: C,
  });
  if (cfg.positions === "learned") {
    push({
      name: names.positions,
      shape: [cfg.contextLength, C],
      role: "embedding",
      group: "embeddings",
      fanIn: cfg.contextLength,
      fanOut: C,
    });
  }
  if (names.bert) {
    const { segments, embeddingNorm } = names.bert;
    push({
      name: segments,
      shape: [BERT_SEGMENTS, C],
      role: "embedding",
      group: "embeddings",
      fanIn: BERT_SEGMENTS,
      fanOut: C,
    });
    norm(embeddingNorm, "embeddings");
  }
  const qWidth = cfg.heads * cfg.headDim;
  const kvWidth = cfg.kvHeads * cfg.headDim;
  for (let i = 0; i < cfg.layers; i++) {
    const b = names.block(i);
    const group = `block ${i}`;
    norm(b.norm1, group);
    if (typeof b.qkv === "string") linear(b.qkv, C, qWidth + 2 * kvWidth, group);
    else {
      linear(b.qkv.q, C, qWidth, group);
      linear(b.qkv.k, C, kvWidth, group);
      linear(b.qkv.v, C, kvWidth, group);
    }
    linear(b.out, qWidth, C, group, true);
    norm(b.norm2, group);
    if (b.gate) linear(b.gate, C, cfg.mlpHidden, group);
    linear(b.up, C, cfg.mlpHidden, group);
    linear(b.down, cfg.mlpHidden, C, group, true);
  }
  if (names.finalNorm) norm(names.finalNorm, "head");
  if (names.bert) {
    linear(names.bert.transform, C, C, "head");
    norm(names.bert.transformNorm, "head");
    const V = cfg.vocabSize;
    push({ name: names.bert.headBias, shape: [V], role: "bias", group: "head", fanIn: C, fanOut: V });
  }
  if (!cfg.tiedHead)
    push({
      name: names.head,
      shape: [cfg.vocabSize, C],
      role: "matrix",
      group: "head",
      fanIn: C,
      fanOut: cfg.vocabSize,
    });
  return specs;
}

export function countParameters(cfg: ModelConfig): number {
  return parameterSpecs(cfg).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** Initial weights drawn from `rng` in spec order: norms 1, biases 0, embeddings N(0, 0.02), matrices per cfg.init. */
export function initParameters(cfg: ModelConfig, rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const spec of parameterSpecs(cfg)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.role === "norm") data.fill(1);
    else if (spec.role === "embedding") for (let i = 0; i < data.length; i++) data[i] = 0.02 * rng.normal();
    else if (spec.role === "matrix") {
      if (cfg.init === "xavier") {
        const bound = Math.sqrt(6 / (spec.fanIn + spec.fanOut));
        for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * bound;
      } else {
        const std =
          cfg.init === "kaiming"
            ? Math.sqrt(2 / spec.fanIn)
            : spec.residualOutput
              ? 0.02 / Math.sqrt(2 * cfg.layers)
              : 0.02;
        for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
      }
    }
    out[spec.name] = data;
  }
  return out;
}
