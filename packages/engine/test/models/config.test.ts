import { describe, expect, it } from "vitest";
import { ModelConfigSchema } from "../../src/config/model.js";
import { PretrainConfigSchema } from "../../src/config/pretrain.js";
import { parseConfig } from "../../src/config/posttrain.js";
import { countParameters, parameterSpecs } from "../../src/models/parameters.js";

describe("model config", () => {
  it("fills the switches from the preset and keeps overrides", () => {
    const llama = ModelConfigSchema.parse({ preset: "llama-style", width: 64, heads: 8, kvHeads: 2 });
    expect(llama).toMatchObject({
      layout: "llama",
      norm: "rmsnorm",
      positions: "rotary",
      mlp: "swiglu",
      tiedHead: false,
      bias: false,
      headDim: 8,
      mlpHidden: 176,
    });
    const gpt2 = ModelConfigSchema.parse({ preset: "gpt2-style", norm: "rmsnorm", mlp: "swiglu" });
    expect(gpt2).toMatchObject({
      layout: "gpt2",
      norm: "rmsnorm",
      mlp: "swiglu",
      positions: "learned",
      tiedHead: true,
    });
  });

  it("rejects impossible shapes and unknown fields, naming the field", () => {
    expect(() => parseConfig(ModelConfigSchema, { width: 100, heads: 6 }, "model.json")).toThrow(
      "model.json: invalid config: heads: 6 heads do not divide the width 100",
    );
    expect(() => parseConfig(ModelConfigSchema, { heads: 6, kvHeads: 4 }, "m")).toThrow(
      "kvHeads: 4 key/value heads do not divide the 6 heads",
    );
    expect(() => parseConfig(PretrainConfigSchema, { model: { widht: 64 } }, "run.json")).toThrow(
      /model: Unrecognized key: "widht"/,
    );
    expect(() => parseConfig(PretrainConfigSchema, { optimizer: { name: "sgd" } }, "run.json")).toThrow(
      /optimizer\.name/,
    );
  });

  it("uses Hugging Face tensor names and layouts for the presets", () => {
    const gpt2 = ModelConfigSchema.parse({
      preset: "gpt2-style",
      vocabSize: 50257,
      contextLength: 1024,
      width: 768,
      layers: 12,
      heads: 12,
    });
    const names = parameterSpecs(gpt2).map((s) => s.name);
    expect(names).toContain("transformer.h.0.attn.c_attn.weight");
    expect(parameterSpecs(gpt2).find((s) => s.name === "transformer.h.0.mlp.c_fc.weight")!.shape).toEqual([
      768, 3072,
    ]);
    expect(names).not.toContain("lm_head.weight");
    expect(countParameters(gpt2)).toBe(124439808); // GPT-2 small, as Hugging Face counts it
    const llama = ModelConfigSchema.parse({
      preset: "llama-style",
      vocabSize: 32000,
      width: 64,
      heads: 4,
      kvHeads: 2,
    });
    const q = parameterSpecs(llama).find((s) => s.name === "model.layers.1.self_attn.k_proj.weight")!;
    expect(q.shape).toEqual([32, 64]); // nn.Linear [out, in]
    expect(parameterSpecs(llama).map((s) => s.name)).toContain("lm_head.weight");
    const bert = ModelConfigSchema.parse({
      preset: "bert-style",
      vocabSize: 30522,
      contextLength: 512,
      width: 768,
      layers: 12,
      heads: 12,
    });
    expect(bert).toMatchObject({ layout: "bert", attention: "bidirectional", mlp: "gelu", normEps: 1e-12 });
    expect(parameterSpecs(bert).map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "bert.embeddings.token_type_embeddings.weight",
        "bert.encoder.layer.11.attention.output.LayerNorm.weight",
        "cls.predictions.transform.dense.weight",
        "cls.predictions.bias",
      ]),
    );
    expect(countParameters(bert)).toBe(109514298); // bert-base BertForMaskedLM, as Hugging Face counts it
  });
});
