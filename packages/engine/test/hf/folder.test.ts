import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelConfigSchema } from "../../src/config/model.js";
import { toHfConfig } from "../../src/hf/config.js";
import { loadModelFolder } from "../../src/hf/folder.js";
import { type TensorMap, writeSafetensors } from "../../src/io/safetensors.js";
import { byteLevelTokenizer } from "../../src/tokenizer/index.js";
import { randomWeights, tensorMap, writeCheckpoint } from "./helpers.js";

const model = ModelConfigSchema.parse({
  preset: "llama-style",
  vocabSize: 16,
  width: 8,
  heads: 2,
  layers: 1,
});
const weights = tensorMap(randomWeights(model, 5), model);

/** A folder as transformers writes it: HF config.json and the given safetensors files. */
function hfFolder(files: Record<string, TensorMap>, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "hf-folder-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(toHfConfig(model)));
  for (const [name, tensors] of Object.entries(files))
    writeSafetensors(join(dir, name), tensors, { format: "pt" });
  for (const [name, value] of Object.entries(extra)) writeFileSync(join(dir, name), JSON.stringify(value));
  return dir;
}

const toBf16 = (x: Float32Array) =>
  Uint16Array.from(new Uint32Array(Float32Array.from(x).buffer), (w) => w >>> 16);

describe("model folders", () => {
  it("reads an engine checkpoint, with its exact config, and a legacy one", () => {
    const dir = writeCheckpoint({ ...model, init: "xavier" }, weights, byteLevelTokenizer().toJSON());
    const folder = loadModelFolder(dir);
    expect(folder.model.init).toBe("xavier"); // engine_config.json, not the HF mapping
    expect(folder.weights).toEqual(weights);
    expect(folder.tokenizerJson).toBe(byteLevelTokenizer().toJSON());
    rmSync(join(dir, "config.json"));
    renameSync(join(dir, "engine_config.json"), join(dir, "config.json"));
    expect(loadModelFolder(dir).model.init).toBe("xavier");
  });

  it("reads sharded weights through the index, and widens BF16 and F16 to float32", () => {
    const names = Object.keys(weights);
    const half = Math.ceil(names.length / 2);
    const shard = (part: string[], bf16: boolean): TensorMap =>
      Object.fromEntries(
        part.map((n) => [
          n,
          bf16
            ? {
                dtype: "BF16" as const,
                shape: weights[n].shape,
                data: toBf16(weights[n].data as Float32Array),
              }
            : weights[n],
        ]),
      );
    const index = {
      weight_map: Object.fromEntries(names.map((n, i) => [n, i < half ? "a.safetensors" : "b.safetensors"])),
    };
    const dir = hfFolder(
      {
        "a.safetensors": shard(names.slice(0, half), true),
        "b.safetensors": shard(names.slice(half), false),
      },
      { "model.safetensors.index.json": index },
    );
    const folder = loadModelFolder(dir);
    for (const n of names) {
      const got = folder.weights[n].data as Float32Array;
      const want = weights[n].data as Float32Array;
      expect(folder.weights[n].dtype).toBe("F32");
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(Math.abs(want[i]) / 128);
    }
    const f16 = hfFolder({
      "model.safetensors": {
        ...weights,
        "model.norm.weight": {
          dtype: "F16",
          shape: [8],
          data: Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0, 0x7bff, 0x8000, 0x3800]),
        },
      },
    });
    expect([...(loadModelFolder(f16).weights["model.norm.weight"].data as Float32Array)]).toEqual([
      1,
      -2,
      0.333251953125,
      2 ** -24,
      0,
      65504,
      -0,
      0.5,
    ]);
  });

  it("names what is missing or misshapen", () => {
    const { ["model.norm.weight"]: _dropped, ...rest } = weights;
    expect(() => loadModelFolder(hfFolder({ "model.safetensors": rest }))).toThrow(
      /tensor model.norm.weight is missing for this llama config/,
    );
    const wrong = {
      ...weights,
      "model.norm.weight": { dtype: "F32" as const, shape: [4], data: new Float32Array(4) },
    };
    expect(() => loadModelFolder(hfFolder({ "model.safetensors": wrong }))).toThrow(
      /tensor model.norm.weight has shape \[4\], the config needs \[8\]/,
    );
    const empty = mkdtempSync(join(tmpdir(), "hf-folder-"));
    expect(() => loadModelFolder(empty)).toThrow(/no config.json/);
    writeFileSync(join(empty, "config.json"), JSON.stringify(toHfConfig(model)));
    expect(() => loadModelFolder(empty)).toThrow(/no model.safetensors .*safe_serialization/);
  });
});
