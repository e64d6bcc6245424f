import { describe, expect, it } from "vitest";
import { ModelConfigSchema, type ModelConfigInput } from "../../src/config/model.js";
import { fromHfConfig, hfSpecialTokens, toGenerationConfig, toHfConfig } from "../../src/hf/config.js";
import { tokenizerMaskId } from "../../src/hf/tokenizer.js";
import { byteLevelTokenizer, trainWordPiece } from "../../src/tokenizer/index.js";

const parse = (input: ModelConfigInput) => ModelConfigSchema.parse({ width: 32, heads: 4, ...input });

describe("Hugging Face config.json", () => {
  it.each<ModelConfigInput>([
    { preset: "gpt2-style", mlp: "gelu", tiedHead: false, dropout: 0.1 },
    { preset: "llama-style", kvHeads: 2, ropeTheta: 500000, bias: true, tiedHead: true },
    { preset: "bert-style", mlp: "gelu_tanh", normEps: 1e-7 },
  ])("maps %o there and back to the same model", (input) => {
    const model = parse(input);
    expect(fromHfConfig(toHfConfig(model))).toEqual(model);
  });

  it("writes the fields transformers reads, with the tokenizer's special ids", () => {
    const specials = hfSpecialTokens(byteLevelTokenizer().specialTokens);
    expect(toHfConfig(parse({ preset: "llama-style", kvHeads: 2 }), specials)).toMatchObject({
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      hidden_size: 32,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 8,
      intermediate_size: 88,
      hidden_act: "silu",
      rope_parameters: { rope_type: "default", rope_theta: 10000 },
      tie_word_embeddings: false,
      bos_token_id: 256,
      eos_token_id: 256,
      pad_token_id: 259,
      torch_dtype: "float32",
    });
    expect(toHfConfig(parse({ preset: "gpt2-style" }), specials, { head: "score" })).toMatchObject({
      architectures: ["GPT2ForSequenceClassification"],
      num_labels: 1,
      activation_function: "gelu_new",
    });
    // generation stops at the end of text and at the end of a chat turn
    expect(toGenerationConfig(specials)).toMatchObject({ eos_token_id: [256, 258], pad_token_id: 259 });
  });

  it("refuses an engine model Hugging Face cannot represent, naming the switch", () => {
    expect(() => toHfConfig(parse({ preset: "gpt2-style", mlp: "swiglu" }))).toThrow(
      /mlp "swiglu" is not representable/,
    );
    expect(() => toHfConfig(parse({ preset: "llama-style", positions: "learned" }))).toThrow(
      /positions "learned"/,
    );
    expect(() => toHfConfig(parse({ preset: "gpt2-style", attention: "bidirectional" }))).toThrow(
      /attention "bidirectional".*bert-style/,
    );
    expect(() => toHfConfig(parse({ preset: "bert-style" }), {}, { head: "score" })).toThrow(/score head/);
  });

  it("refuses a Hugging Face config the engine cannot load, naming the field", () => {
    const llama = toHfConfig(parse({ preset: "llama-style" }));
    expect(() => fromHfConfig({ ...llama, model_type: "mistral" }, "x/config.json")).toThrow(
      'x/config.json: model_type "mistral" is not supported',
    );
    expect(() => fromHfConfig({ ...llama, rope_parameters: { rope_type: "yarn", factor: 4 } })).toThrow(
      /rope_type "yarn"/,
    );
    expect(() => fromHfConfig({ ...llama, hidden_act: "gelu" })).toThrow(/hidden_act "gelu"/);
    expect(() => fromHfConfig({ ...llama, mlp_bias: true })).toThrow(/mlp_bias/);
    expect(() => fromHfConfig({ ...llama, head_dim: 16 })).toThrow(/head_dim 16/);
    expect(() => fromHfConfig({ ...llama, hidden_size: "32" })).toThrow(
      /hidden_size must be a positive integer/,
    );
    const bert = toHfConfig(parse({ preset: "bert-style" }));
    expect(() => fromHfConfig({ ...bert, position_embedding_type: "relative_key" })).toThrow(
      /position_embedding_type "relative_key"/,
    );
  });

  it("masks with the tokenizer's mask token, never an ordinary id", async () => {
    const wordpiece = await trainWordPiece(["a masked language model"], { vocabSize: 40 });
    expect(tokenizerMaskId(wordpiece.toJSON())).toBe(wordpiece.specialTokens["[MASK]"]);
    expect(tokenizerMaskId(byteLevelTokenizer().toJSON())).toBe(260);
    expect(tokenizerMaskId(byteLevelTokenizer([]).toJSON())).toBeNull();
  });
});
