/**
 * Hugging Face `config.json` <-> the engine's ModelConfig. Each layout has exactly one HF architecture: gpt2 ->
 * GPT2LMHeadModel, llama -> LlamaForCausalLM, bert -> BertForMaskedLM (reward models: *ForSequenceClassification,
 * whose `score.weight` is the engine's scalar head). A switch HF cannot represent is refused with its name, in both
 * directions, rather than written as a folder that loads into a different model.
 * Weights are float32 (`dtype`, and `torch_dtype` for transformers before v5). Training-only settings map where HF
 * has a field (dropout); the weight init is not architecture and reads back as the engine default.
 */
import { type ModelConfig, ModelConfigSchema, type ModelConfigInput } from "../config/model.js";
import { BERT_SEGMENTS } from "../models/parameters.js";

export type HfConfig = Record<string, unknown>;

/** Token ids HF configs carry; null where the tokenizer has no such token. */
export interface HfSpecialTokens {
  bos: number | null;
  eos: number | null;
  pad: number | null;
  /** Further ids that end generation (generation_config.json only): `<|im_end|>`, the end of a chat turn. */
  stop: number[];
}

export interface ToHfConfigOptions {
  /** "score": a reward/value model (`score.weight` [1, width]) as *ForSequenceClassification with one label. */
  head?: "lm" | "score";
}

/**
 * The scalar head of HF's *ForSequenceClassification, the engine's reward-model and value head; posttrain/model.ts
 * re-exports it as SCORE_HEAD (that direction only: posttrain/ imports hf/, so the reverse would be a cycle).
 */
export const HF_SCORE_HEAD = "score.weight";

export class HfConfigError extends Error {
  constructor(source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.name = "HfConfigError";
  }
}

/** The special token ids of an engine tokenizer (byte-level BPE or WordPiece) as HF names them. */
export function hfSpecialTokens(tokenizerSpecials: Readonly<Record<string, number>>): HfSpecialTokens {
  const id = (...names: string[]) =>
    names.map((n) => tokenizerSpecials[n]).find((i) => i !== undefined) ?? null;
  const endOfText = id("<|endoftext|>");
  const imEnd = id("<|im_end|>");
  return {
    bos: endOfText ?? id("[CLS]"),
    eos: endOfText ?? id("[SEP]"),
    pad: id("<pad>", "[PAD]"),
    stop: imEnd === null ? [] : [imEnd],
  };
}

const NO_SPECIALS: HfSpecialTokens = { bos: null, eos: null, pad: null, stop: [] };

const ARCHITECTURES = {
  gpt2: { lm: "GPT2LMHeadModel", score: "GPT2ForSequenceClassification" },
  llama: { lm: "LlamaForCausalLM", score: "LlamaForSequenceClassification" },
  bert: { lm: "BertForMaskedLM", score: null },
} as const;

/** gpt2's activation_function / llama's and bert's hidden_act for each engine MLP. */
const ACTIVATIONS: Record<ModelConfig["mlp"], string> = {
  gelu: "gelu",
  gelu_tanh: "gelu_new",
  swiglu: "silu",
};

/** config.json for a checkpoint of `model`; throws HfConfigError naming the first switch HF cannot represent. */
export function toHfConfig(
  model: ModelConfig,
  specials: Partial<HfSpecialTokens> = {},
  opts: ToHfConfigOptions = {},
): HfConfig {
  const problem = hfConfigProblem(model);
  if (problem) throw new HfConfigError("model config", problem);
  const s = { ...NO_SPECIALS, ...specials };
  const head = opts.head ?? "lm";
  const architecture = ARCHITECTURES[model.layout][head];
  if (!architecture)
    throw new HfConfigError(
      "Hugging Face config",
      `a ${model.layout} model with a score head has no Hugging Face class`,
    );
  const common = {
    architectures: [architecture],
    model_type: model.layout,
    vocab_size: model.vocabSize,
    tie_word_embeddings: model.tiedHead,
    initializer_range: 0.02,
    dtype: "float32",
    torch_dtype: "float32",
    ...(head === "score" ? { num_labels: 1, id2label: { 0: "LABEL_0" }, label2id: { LABEL_0: 0 } } : {}),
  };
  if (model.layout === "gpt2")
    return {
      ...common,
      n_embd: model.width,
      n_layer: model.layers,
      n_head: model.heads,
      n_inner: model.mlpHidden,
      n_positions: model.contextLength,
      activation_function: ACTIVATIONS[model.mlp],
      layer_norm_epsilon: model.normEps,
      resid_pdrop: model.dropout,
      embd_pdrop: model.dropout,
      attn_pdrop: model.dropout,
      scale_attn_weights: true,
      bos_token_id: s.bos,
      eos_token_id: s.eos,
      pad_token_id: s.pad,
    };
  if (model.layout === "llama")
    return {
      ...common,
      hidden_size: model.width,
      intermediate_size: model.mlpHidden,
      num_hidden_layers: model.layers,
      num_attention_heads: model.heads,
      num_key_value_heads: model.kvHeads,
      head_dim: model.headDim,
      hidden_act: "silu",
      max_position_embeddings: model.contextLength,
      rms_norm_eps: model.normEps,
      rope_parameters: { rope_type: "default", rope_theta: model.ropeTheta },
      // transformers before v5 and most other readers look for it at the top level
      rope_theta: model.ropeTheta,
      attention_bias: model.bias,
      mlp_bias: model.bias,
      attention_dropout: model.dropout,
      bos_token_id: s.bos,
      eos_token_id: s.eos,
      pad_token_id: s.pad,
    };
  return {
    ...common,
    hidden_size: model.width,
    intermediate_size: model.mlpHidden,
    num_hidden_layers: model.layers,
    num_attention_heads: model.heads,
    hidden_act: ACTIVATIONS[model.mlp],
    max_position_embeddings: model.contextLength,
    type_vocab_size: BERT_SEGMENTS,
    layer_norm_eps: model.normEps,
    position_embedding_type: "absolute",
    hidden_dropout_prob: model.dropout,
    attention_probs_dropout_prob: model.dropout,
    pad_token_id: s.pad,
  };
}

/** generation_config.json: the ids HF's generate() starts, pads and stops with. */
export function toGenerationConfig(specials: Partial<HfSpecialTokens>): HfConfig {
  const s = { ...NO_SPECIALS, ...specials };
  const stop = [...new Set([...(s.eos === null ? [] : [s.eos]), ...s.stop])];
  return {
    bos_token_id: s.bos,
    eos_token_id: stop.length === 1 ? stop[0] : stop.length ? stop : null,
    pad_token_id: s.pad,
    transformers_version: "5.17.0",
  };
}

/** Why `model` has no Hugging Face equivalent (the first switch that is off), or null when it has one. */
export function hfConfigProblem(model: ModelConfig): string | null {
  const want = (field: keyof ModelConfig, ok: boolean, expected: string) =>
    ok
      ? null
      : `${field} ${JSON.stringify(model[field])} is not representable as a Hugging Face ${model.layout} model (${expected})`;
  const checks = {
    gpt2: [
      want("norm", model.norm === "layernorm", "GPT-2 uses layernorm"),
      want("positions", model.positions === "learned", "GPT-2 uses learned positions"),
      want("mlp", model.mlp !== "swiglu", "GPT-2's MLP is gelu or gelu_tanh"),
      want("bias", model.bias, "GPT-2 always has biases"),
      want("kvHeads", model.kvHeads === model.heads, "GPT-2 has no grouped-query attention"),
      want(
        "attention",
        model.attention === "causal",
        'GPT-2 is causal; a masked LM uses preset "bert-style"',
      ),
    ],
    llama: [
      want("norm", model.norm === "rmsnorm", "Llama uses rmsnorm"),
      want("positions", model.positions === "rotary", "Llama uses rotary positions"),
      want("mlp", model.mlp === "swiglu", "Llama's MLP is swiglu"),
      want(
        "attention",
        model.attention === "causal",
        'Llama is causal; a masked LM uses preset "bert-style"',
      ),
    ],
    bert: [
      want("norm", model.norm === "layernorm", "BERT uses layernorm"),
      want("positions", model.positions === "learned", "BERT uses learned positions"),
      want("mlp", model.mlp !== "swiglu", "BERT's MLP is gelu or gelu_tanh"),
      want("bias", model.bias, "BERT always has biases"),
      want("kvHeads", model.kvHeads === model.heads, "BERT has no grouped-query attention"),
      want("tiedHead", model.tiedHead, "BertForMaskedLM ties its decoder to the word embeddings"),
      want("attention", model.attention === "bidirectional", "BERT is a bidirectional encoder"),
    ],
  }[model.layout];
  return checks.find((c) => c !== null) ?? null;
}

/** The engine ModelConfig of a Hugging Face config.json (gpt2, llama or bert); `source` names the file in errors. */
export function fromHfConfig(json: unknown, source = "config.json"): ModelConfig {
  if (!json || typeof json !== "object" || Array.isArray(json))
    throw new HfConfigError(source, "not a JSON object");
  const c = json as HfConfig;
  const fail = (detail: string): never => {
    throw new HfConfigError(source, detail);
  };
  const int = (field: string, fallback?: number): number => {
    const v = c[field] ?? fallback;
    return typeof v === "number" && Number.isInteger(v) && v > 0
      ? v
      : fail(`${field} must be a positive integer, got ${JSON.stringify(c[field])}`);
  };
  const num = (field: string, fallback?: number): number => {
    const v = c[field] ?? fallback;
    return typeof v === "number" && Number.isFinite(v)
      ? v
      : fail(`${field} must be a number, got ${JSON.stringify(c[field])}`);
  };
  const expect = (field: string, allowed: unknown[], fallback: unknown) => {
    const v = c[field] ?? fallback;
    if (!allowed.includes(v))
      fail(
        `${field} ${JSON.stringify(v)} is not supported by the engine (supported: ${allowed.map((a) => JSON.stringify(a)).join(", ")})`,
      );
    return v;
  };
  const activation = (field: string, fallback: string): ModelConfig["mlp"] => {
    const v = expect(field, ["gelu", "gelu_new", "gelu_pytorch_tanh"], fallback);
    return v === "gelu" ? "gelu" : "gelu_tanh";
  };

  let input: ModelConfigInput;
  switch (c.model_type) {
    case "gpt2":
      expect("scale_attn_weights", [true], true);
      expect("scale_attn_by_inverse_layer_idx", [false], false);
      expect("add_cross_attention", [false], false);
      input = {
        preset: "gpt2-style",
        vocabSize: int("vocab_size"),
        contextLength: int("n_positions"),
        width: int("n_embd"),
        layers: int("n_layer"),
        heads: int("n_head"),
        mlpHidden: c.n_inner == null ? 4 * int("n_embd") : int("n_inner"),
        mlp: activation("activation_function", "gelu_new"),
        normEps: num("layer_norm_epsilon", 1e-5),
        tiedHead: c.tie_word_embeddings !== false,
        dropout: num("resid_pdrop", 0),
      };
      break;
    case "llama": {
      expect("hidden_act", ["silu"], "silu");
      expect("pretraining_tp", [1], 1);
      const rope = (c.rope_parameters ?? c.rope_scaling ?? {}) as HfConfig;
      if ((rope.rope_type ?? rope.type ?? "default") !== "default")
        fail(
          `rope_parameters.rope_type ${JSON.stringify(rope.rope_type ?? rope.type)} is not supported (supported: "default")`,
        );
      const bias = c.attention_bias === true;
      if ((c.mlp_bias === true) !== bias)
        fail(
          `attention_bias ${bias} with mlp_bias ${c.mlp_bias === true} is not supported (the engine has one bias switch)`,
        );
      const heads = int("num_attention_heads");
      const width = int("hidden_size");
      if (c.head_dim != null && c.head_dim !== width / heads)
        fail(
          `head_dim ${JSON.stringify(c.head_dim)} is not supported (the engine uses hidden_size / num_attention_heads = ${width / heads})`,
        );
      input = {
        preset: "llama-style",
        vocabSize: int("vocab_size"),
        contextLength: int("max_position_embeddings"),
        width,
        layers: int("num_hidden_layers"),
        heads,
        kvHeads: int("num_key_value_heads", heads),
        mlpHidden: int("intermediate_size"),
        normEps: num("rms_norm_eps", 1e-6),
        ropeTheta: typeof rope.rope_theta === "number" ? rope.rope_theta : num("rope_theta", 10000),
        tiedHead: c.tie_word_embeddings === true,
        bias,
        dropout: num("attention_dropout", 0),
      };
      break;
    }
    case "bert":
      expect("position_embedding_type", ["absolute"], "absolute");
      expect("type_vocab_size", [BERT_SEGMENTS], BERT_SEGMENTS);
      expect("is_decoder", [false], false);
      expect("tie_word_embeddings", [true], true);
      input = {
        preset: "bert-style",
        vocabSize: int("vocab_size"),
        contextLength: int("max_position_embeddings"),
        width: int("hidden_size"),
        layers: int("num_hidden_layers"),
        heads: int("num_attention_heads"),
        mlpHidden: int("intermediate_size"),
        mlp: activation("hidden_act", "gelu"),
        normEps: num("layer_norm_eps", 1e-12),
        dropout: num("hidden_dropout_prob", 0),
      };
      break;
    default:
      return fail(
        `model_type ${JSON.stringify(c.model_type)} is not supported by the engine (supported: "gpt2", "llama", "bert")`,
      );
  }
  const parsed = ModelConfigSchema.safeParse(input);
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return parsed.data!;
}
