import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { env, pipeline, type TextGenerationPipeline } from "@huggingface/transformers";
import { describe, expect, it } from "vitest";
import { exportTransformersJs } from "../../src/generate/index.js";
import { runJob } from "../../src/jobs/index.js";
import { demonstrations } from "../../src/posttrain/synthetic.js";
import { renderChat } from "../../src/tokenizer/chat.js";
import { Rng } from "../../src/util/rng.js";
import { PRESETS, engineGreedy, saveTinyCheckpoint, tinyCheckpoint, tinyModel } from "./fixtures.js";

env.allowRemoteModels = false;

const PROMPT = "the cat sat on the";
const NEW_TOKENS = 16;
// loading a pipeline, or training two SFT steps, takes seconds on a busy 2-core machine; 60 s per test

/** Loads an exported folder with transformers.js from local files only. */
async function loadPipeline(dir: string): Promise<TextGenerationPipeline> {
  env.localModelPath = dirname(dir);
  return (await pipeline("text-generation", basename(dir), {
    dtype: "fp32",
    session_options: { intraOpNumThreads: 1 },
  })) as TextGenerationPipeline;
}

describe.each(PRESETS)("transformers.js export: %s", (_name, overrides) => {
  it("greedy generation in transformers.js gives exactly the engine's tokens", async () => {
    const { dir, tokenizer } = await tinyCheckpoint(overrides);
    const out = join(mkdtempSync(join(tmpdir(), "tfjs-")), "model");
    const files = exportTransformersJs(dir, out);
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual([
      "config.json",
      "generation_config.json",
      "onnx/model.onnx",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    const expected = await engineGreedy(dir, tokenizer, PROMPT, NEW_TOKENS);
    expect(new Set(expected.tokens).size).toBeGreaterThan(1);

    const pipe = await loadPipeline(out);
    const inputs = pipe.tokenizer(PROMPT);
    expect(Array.from(inputs.input_ids.data as BigInt64Array, Number)).toEqual(expected.prompt);
    const ids = (await pipe.model.generate({ ...inputs, max_new_tokens: NEW_TOKENS, do_sample: false })) as {
      tolist(): bigint[][];
    };
    expect(ids.tolist()[0].slice(expected.prompt.length).map(Number)).toEqual(expected.tokens);
    const [generated] = (await pipe(PROMPT, {
      max_new_tokens: NEW_TOKENS,
      do_sample: false,
      return_full_text: false,
    })) as { generated_text: string }[];
    expect(generated.generated_text).toBe(tokenizer.decode(expected.tokens, { skipSpecialTokens: true }));
    await pipe.dispose();
  }, 60_000);
});

describe("transformers.js export: the chat template", () => {
  it("renders a conversation to the same ids as the engine's renderChat", async () => {
    const { dir, tokenizer } = await tinyCheckpoint(PRESETS[0][1]);
    const out = join(mkdtempSync(join(tmpdir(), "tfjs-")), "model");
    exportTransformersJs(dir, out);
    const config = JSON.parse(readFileSync(join(out, "tokenizer_config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(config.chat_template).toContain("<|im_start|>");
    const pipe = await loadPipeline(out);
    const messages = [
      { role: "system" as const, content: "be brief" },
      { role: "user" as const, content: "hello there, how are you?" },
      { role: "assistant" as const, content: "i am fine" },
      { role: "user" as const, content: "and the cat?" },
    ];
    const ids = pipe.tokenizer.apply_chat_template(messages, {
      add_generation_prompt: true,
      tokenize: true,
      return_tensor: false,
      return_dict: false,
    }) as number[];
    expect(ids).toEqual(renderChat(messages, tokenizer, { addGenerationPrompt: true }).ids);
    await pipe.dispose();
  }, 60_000);
});

describe("transformers.js export: a post-training checkpoint", () => {
  it("exports an SFT job's final checkpoint with the same greedy tokens in transformers.js and the engine", async () => {
    const { model, weights, tokenizer } = await tinyModel(PRESETS[1][1]);
    const root = mkdtempSync(join(tmpdir(), "tfjs-sft-"));
    const train = join(root, "train.jsonl");
    writeFileSync(
      train,
      demonstrations(new Rng(1), 16, 0.5)
        .map((d) => JSON.stringify(d))
        .join("\n") + "\n",
    );
    const result = await runJob(
      "sft",
      {
        baseCheckpoint: saveTinyCheckpoint(model, weights, tokenizer),
        data: { train, validationFraction: 0.25 },
        learningRate: 1e-3,
        batchSize: 4,
        maxSteps: 2,
        evalEvery: 2,
        saveEvery: 2,
      },
      { workDir: join(root, "sft") },
    );
    expect(result.status).toBe("completed");
    const out = join(root, "exported");
    exportTransformersJs(result.finalCheckpoint, out);
    const expected = await engineGreedy(result.finalCheckpoint, tokenizer, PROMPT, NEW_TOKENS);
    const pipe = await loadPipeline(out);
    const ids = (await pipe.model.generate({
      ...pipe.tokenizer(PROMPT),
      max_new_tokens: NEW_TOKENS,
      do_sample: false,
    })) as { tolist(): bigint[][] };
    expect(ids.tolist()[0].slice(expected.prompt.length).map(Number)).toEqual(expected.tokens);
    await pipe.dispose();
  }, 60_000);
});
