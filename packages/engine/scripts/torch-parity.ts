/**
 * The engine's half of the torch backend's parity test (python/tests/test_parity.py): pretrains a small model for 20
 * steps and writes what the torch backend needs to replay the same run, so the two losses can be compared step by step.
 *
 *   npx tsx scripts/torch-parity.ts <outDir> [gpt2-style|llama-style]
 *
 * <outDir>/data.bin         the token shard both backends read (generated text, seeded)
 * <outDir>/config.json      the pretraining config both backends run (the torch side adds baseCheckpoint)
 * <outDir>/init/            model.safetensors: the initial weights the engine's pretrain draws for this seed
 * <outDir>/engine-run/      the engine's work dir (checkpoint-20)
 * <outDir>/losses.json      per step: train/loss, train/grad_norm, train/lr and, where evaluated, eval/loss
 * <outDir>/tokenizer.json   the engine's byte-level tokenizer (bytes 0-255, then the chat and padding tokens), for the
 *                           torch backend's TRL tests
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ModelConfigSchema } from "../src/config/model.js";
import { PretrainConfigSchema, type PretrainConfigInput } from "../src/config/pretrain.js";
import { writeSafetensors } from "../src/io/safetensors.js";
import { writeShard } from "../src/io/shards.js";
import { runJob } from "../src/jobs/index.js";
import { initParameters, parameterSpecs } from "../src/models/parameters.js";
import { byteLevelTokenizer } from "../src/tokenizer/train-bpe.js";
import { Rng } from "../src/util/rng.js";

const WORDS = ["the", "model", "learns", "a", "short", "text", "of", "bytes", "and", "then", "some", "more"];

/** Sentences of random words: structured enough that the loss falls within 20 steps. */
function corpus(bytes: number, rng: Rng): Uint8Array {
  let text = "";
  while (text.length < bytes) {
    const n = 3 + rng.int(6);
    const words = Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]);
    text += words.join(" ") + ". ";
  }
  return new TextEncoder().encode(text.slice(0, bytes));
}

async function main(): Promise<void> {
  const [outDir, preset = "gpt2-style"] = process.argv.slice(2);
  if (!outDir || (preset !== "gpt2-style" && preset !== "llama-style")) {
    console.error("usage: tsx scripts/torch-parity.ts <outDir> [gpt2-style|llama-style]");
    process.exit(2);
  }
  mkdirSync(join(outDir, "init"), { recursive: true });
  const shard = join(outDir, "data.bin");
  writeShard(shard, corpus(24_000, new Rng(99)), { dtype: "uint16" });
  const config: PretrainConfigInput = {
    data: { shards: [shard] },
    model: {
      preset,
      vocabSize: 256,
      contextLength: 32,
      width: 64,
      layers: 2,
      heads: 4,
      ...(preset === "llama-style" ? { kvHeads: 2 } : {}),
    },
    steps: 20,
    batchSize: 8,
    schedule: { lr: 3e-3, warmupSteps: 5 },
    evalEvery: 10,
    evalBatches: 2,
    checkpointEvery: 20,
    seed: 7,
    runtime: { threads: 1 },
  };
  const cfg = PretrainConfigSchema.parse(config);
  const model = ModelConfigSchema.parse(config.model);
  // The same draw as the pretraining job's first state: initParameters(model, new Rng(cfg.seed)).
  const init = initParameters(model, new Rng(cfg.seed));
  writeSafetensors(
    join(outDir, "init", "model.safetensors"),
    Object.fromEntries(
      parameterSpecs(model).map((s) => [s.name, { dtype: "F32", shape: s.shape, data: init[s.name] }]),
    ),
    { format: "pt" },
  );
  writeFileSync(join(outDir, "config.json"), JSON.stringify(config, null, 2));
  writeFileSync(join(outDir, "tokenizer.json"), byteLevelTokenizer().toJSON());
  const losses: Record<number, Record<string, number>> = {};
  await runJob("pretrain", config, {
    workDir: join(outDir, "engine-run"),
    onMetrics: (step, m) => {
      losses[step] = { ...losses[step], ...m };
    },
  });
  writeFileSync(join(outDir, "losses.json"), JSON.stringify(losses, null, 2));
}

await main();
