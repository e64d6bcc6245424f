/**
 * PPO wall time at the alignment demo's PPO settings (gpt2-style, width 64, 2 layers, context 80; 16 rollouts of up
 * to 40 tokens an iteration, 4 PPO epochs x 2 minibatches) from a random base model and reward model, so every
 * response runs to its full length. Prints seconds per iteration of `runJob("ppo")`, then the rollout generation alone
 * three ways in the same run: a generator compiled afresh from baked-in weights every iteration, one prompt at a
 * time (what PPO did before); one generator whose weights are fed per run, one prompt at a time; and that generator
 * decoding the whole batch together (what PPO does now).
 * Run: npx tsx scripts/bench-ppo.ts [--iterations N]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ModelConfigSchema } from "../src/config/model.js";
import { Generator } from "../src/generate/generator.js";
import type { TensorMap } from "../src/io/safetensors.js";
import { initParameters, parameterSpecs } from "../src/models/parameters.js";
import { initScoreHead } from "../src/posttrain/model.js";
import { runJob } from "../src/jobs/index.js";
import * as task from "../src/posttrain/synthetic.js";
import { byteLevelTokenizer, renderChat } from "../src/tokenizer/index.js";
import { checkpointDir, saveCheckpoint } from "../src/train/checkpoint.js";
import { initialTrainerState } from "../src/train/state.js";
import { Rng } from "../src/util/rng.js";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "6" } } });
const ITERATIONS = Number(values.iterations);
const BATCH = 16;
const REPLY_TOKENS = 40;
const model = ModelConfigSchema.parse({
  preset: "gpt2-style",
  vocabSize: 261,
  contextLength: 80,
  width: 64,
  layers: 2,
  heads: 4,
});
const tokenizer = byteLevelTokenizer();
const root = mkdtempSync(join(tmpdir(), "bench-ppo-"));

const initial = initParameters(model, new Rng(1));
const weights: TensorMap = Object.fromEntries(
  parameterSpecs(model).map((s) => [s.name, { dtype: "F32", shape: s.shape, data: initial[s.name] }]),
);
function checkpoint(name: string, tensors: TensorMap): string {
  const dir = checkpointDir(join(root, name), 0);
  saveCheckpoint(dir, {
    weights: tensors,
    optimizer: {},
    config: { format: "rlhf-engine/sft", model, run: {} },
    trainerState: initialTrainerState({ seed: 0, rng: new Rng(0).state() }),
    tokenizerJson: tokenizer.toJSON(),
  });
  return dir;
}
const base = checkpoint("base", weights);
const reward = checkpoint("rm", { ...weights, ...initScoreHead(model, new Rng(2)) });
const promptTexts = Array.from(
  { length: 64 },
  (
    (rng) => () =>
      task.samplePrompt(rng).text
  )(new Rng(7)),
);
const prompts = join(root, "prompts.jsonl");
writeFileSync(prompts, promptTexts.map((prompt) => JSON.stringify({ prompt })).join("\n") + "\n");

const t0 = performance.now();
await runJob(
  "ppo",
  {
    baseCheckpoint: base,
    rewardCheckpoint: reward,
    data: { train: prompts },
    batchSize: BATCH,
    learningRate: 1e-4,
    totalEpisodes: BATCH * ITERATIONS,
    responseLength: REPLY_TOKENS,
    temperature: 1,
    miniBatches: 2,
    saveEvery: 1000,
    logEvery: 1000,
  },
  { workDir: join(root, "ppo") },
);
const ppoSeconds = (performance.now() - t0) / 1000;
console.log(
  `runJob("ppo"): ${ITERATIONS} iterations of ${BATCH} rollouts in ${ppoSeconds.toFixed(1)} s (${(ppoSeconds / ITERATIONS).toFixed(2)} s per iteration)`,
);

/** One iteration's prompts and sampling seeds. */
const requests = (iteration: number) =>
  Array.from({ length: BATCH }, (_, i) => ({
    prompt: renderChat(
      [{ role: "user", content: promptTexts[(iteration * BATCH + i) % promptTexts.length] }],
      tokenizer,
      { addGenerationPrompt: true },
    ).ids,
    seed: iteration * BATCH + i,
  }));
const sampling = { maxNewTokens: REPLY_TOKENS, temperature: 1 };
async function oneByOne(generator: Generator, iteration: number): Promise<void> {
  for (const r of requests(iteration)) await generator.generate(r.prompt, { ...sampling, seed: r.seed });
}
const runtime = { threads: 2 };
const shared = new Generator(model, initial, runtime, { weightsAsInputs: true });
const ways: [string, (iteration: number) => Promise<void>][] = [
  [
    "generator rebuilt from baked weights, one prompt at a time (PPO before)",
    async (iteration) => {
      const fresh = new Generator(model, initial, runtime);
      await oneByOne(fresh, iteration);
      await fresh.release();
    },
  ],
  [
    "weights as inputs, one prompt at a time",
    (iteration) => (shared.setWeights(initial), oneByOne(shared, iteration)),
  ],
  [
    "weights as inputs, the batch decoded together (PPO now)",
    (iteration) => (
      shared.setWeights(initial),
      shared.generateBatch(requests(iteration), sampling).then(() => undefined)
    ),
  ],
];
// round-robin (the machine is shared), keeping each way's fastest iteration
const best = ways.map(() => Infinity);
for (let iteration = 0; iteration < ITERATIONS; iteration++) {
  for (const [w, [, run]] of ways.entries()) {
    const start = performance.now();
    await run(iteration);
    best[w] = Math.min(best[w], (performance.now() - start) / 1000);
  }
}
await shared.release();
console.log(`rollouts of one iteration, best of ${ITERATIONS}:`);
ways.forEach(([name], w) =>
  console.log(`  ${name}: ${best[w].toFixed(3)} s (${(best[0] / best[w]).toFixed(2)}x)`),
);
