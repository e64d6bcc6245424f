/**
 * The model config: a preset (`gpt2-style`, `llama-style`) fills every architectural switch, and any switch can be
 * overridden. Presets are the one place defaults live. Pure zod: safe for the light `@rlhf/engine/config` entry.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();

export const MODEL_PRESETS = {
  /** GPT-2: LayerNorm, learned positions, tanh-GELU MLP, biases, tied head; Hugging Face GPT2LMHeadModel names. */
  "gpt2-style": {
    layout: "gpt2",
    norm: "layernorm",
    normEps: 1e-5,
    positions: "learned",
    mlp: "gelu_tanh",
    tiedHead: true,
    bias: true,
  },
  /** Llama: RMSNorm, rotary positions, SwiGLU, no biases, untied head; Hugging Face LlamaForCausalLM names. */
  "llama-style": {
    layout: "llama",
    norm: "rmsnorm",
    normEps: 1e-6,
    positions: "rotary",
    mlp: "swiglu",
    tiedHead: false,
    bias: false,
  },
  /** BERT: post-norm encoder blocks, segment embeddings, the MLM head transform; Hugging Face BertForMaskedLM names. */
  "bert-style": {
    layout: "bert",
    norm: "layernorm",
    normEps: 1e-12,
    positions: "learned",
    mlp: "gelu",
    tiedHead: true,
    bias: true,
    attention: "bidirectional",
  },
} as const;

export const ModelConfigInputSchema = z.strictObject({
  preset: z.enum(["gpt2-style", "llama-style", "bert-style"]).default("gpt2-style"),
  vocabSize: positiveInt.default(256),
  contextLength: positiveInt.default(128),
  width: positiveInt.default(384),
  layers: positiveInt.default(2),
  heads: positiveInt.default(6),
  /** Key/value heads for grouped-query attention; defaults to `heads` (plain multi-head attention). */
  kvHeads: positiveInt.optional(),
  /** MLP hidden width; defaults to 4 x width for GELU and 8/3 x width (rounded up to a multiple of 8) for SwiGLU. */
  mlpHidden: positiveInt.optional(),
  norm: z.enum(["layernorm", "rmsnorm"]).optional(),
  normEps: z.number().positive().optional(),
  positions: z.enum(["learned", "rotary"]).optional(),
  ropeTheta: z.number().positive().default(10000),
  mlp: z.enum(["gelu", "gelu_tanh", "swiglu"]).optional(),
  tiedHead: z.boolean().optional(),
  bias: z.boolean().optional(),
  /** Dropout on embeddings, attention probabilities and residual branches; training graphs only. */
  dropout: z.number().min(0).lt(1).default(0),
  /** normal: N(0, 0.02) with residual output projections scaled by 1/sqrt(2 x layers) (GPT-2); xavier: uniform; kaiming: normal, fan-in. */
  init: z.enum(["normal", "xavier", "kaiming"]).default("normal"),
  /** causal: decoder-only LM; bidirectional: encoder for masked-LM pretraining (bert-style's default). */
  attention: z.enum(["causal", "bidirectional"]).optional(),
});

export type ModelConfigInput = z.input<typeof ModelConfigInputSchema>;

type Resolved = z.output<typeof ModelConfigInputSchema>;

export interface ModelConfig extends Omit<
  Resolved,
  "kvHeads" | "mlpHidden" | "norm" | "normEps" | "positions" | "mlp" | "tiedHead" | "bias" | "attention"
> {
  /**
   * Tensor naming and matrix layout: gpt2 (Conv1D [in, out], fused qkv), llama (Linear [out, in]) or bert
   * (Linear [out, in], post-norm blocks).
   */
  layout: "gpt2" | "llama" | "bert";
  attention: "causal" | "bidirectional";
  kvHeads: number;
  headDim: number;
  mlpHidden: number;
  norm: "layernorm" | "rmsnorm";
  normEps: number;
  positions: "learned" | "rotary";
  mlp: "gelu" | "gelu_tanh" | "swiglu";
  tiedHead: boolean;
  bias: boolean;
}

export const ModelConfigSchema = ModelConfigInputSchema.transform((c, ctx): ModelConfig => {
  const preset = MODEL_PRESETS[c.preset];
  const kvHeads = c.kvHeads ?? c.heads;
  const mlp = c.mlp ?? preset.mlp;
  const problems: [string, string][] = [];
  if (c.width % c.heads !== 0)
    problems.push(["heads", `${c.heads} heads do not divide the width ${c.width}`]);
  if (c.heads % kvHeads !== 0)
    problems.push(["kvHeads", `${kvHeads} key/value heads do not divide the ${c.heads} heads`]);
  const headDim = c.width / c.heads;
  const positions = c.positions ?? preset.positions;
  if (positions === "rotary" && headDim % 2 !== 0)
    problems.push(["positions", `rotary positions need an even head size, got ${headDim}`]);
  for (const [path, message] of problems)
    ctx.issues.push({ code: "custom", path: [path], message, input: c });
  if (problems.length) return z.NEVER;
  return {
    ...c,
    layout: preset.layout,
    kvHeads,
    headDim,
    mlpHidden: c.mlpHidden ?? (mlp === "swiglu" ? Math.ceil((8 * c.width) / 3 / 8) * 8 : 4 * c.width),
    norm: c.norm ?? preset.norm,
    normEps: c.normEps ?? preset.normEps,
    positions,
    mlp,
    tiedHead: c.tiedHead ?? preset.tiedHead,
    bias: c.bias ?? preset.bias,
    attention: c.attention ?? ("attention" in preset ? preset.attention : "causal"),
  };
});

/**
 * The resolved model config a checkpoint's engine metadata stores (`model`), validated again: the derived fields
 * (layout, headDim) are dropped and the explicit switches re-parsed, which gives the same config back or names
 * what is wrong. `source` names the file in errors.
 */
export function readModelConfig(raw: unknown, source: string): ModelConfig {
  if (!raw || typeof raw !== "object") throw new Error(`${source}: no "model" section`);
  const { layout: _layout, headDim: _headDim, ...input } = raw as Record<string, unknown>;
  const parsed = ModelConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new Error(
      `${source}: model: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}
