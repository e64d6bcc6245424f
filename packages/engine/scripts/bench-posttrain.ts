/**
 * Post-training throughput on the engine's reference config (vocab 256, context 128, width 384, 2 layers,
 * 6 heads, 16 sequences = 2,048 tokens a step, fp32, CPU): tokens per second of one SFT, reward-model and DPO
 * step (forward, backward, clipping, AdamW in one graph), and PPO rollout tokens per second with the KV cache
 * against re-running the whole context for every token, at 128 new tokens. Best of --steps runs (default 5), as
 * the machine is shared. Also the reward model on k-wise rankings: every answer scored once per step against
 * both answers of every pair encoded. Run: npx tsx scripts/bench-posttrain.ts [--steps N]
 */
import { parseArgs } from "node:util";
import { ModelConfigSchema } from "../src/config/model.js";
import { OptimizerConfigSchema } from "../src/config/pretrain.js";
import { Generator } from "../src/generate/generator.js";
import type { TensorMap } from "../src/io/safetensors.js";
import { initParameters, parameterSpecs } from "../src/models/parameters.js";
import { dpoFeeds, dpoLossGraph } from "../src/posttrain/dpo.js";
import { type BaseModel, initScoreHead, scoreHeadSpec } from "../src/posttrain/model.js";
import { conversationBatch } from "../src/posttrain/packing.js";
import { type Feeds, PolicyStepRunner } from "../src/posttrain/policy-step.js";
import type { BuildLoss } from "../src/train/step.js";
import { type RewardGroup, groupShape, rewardFeeds, rewardLossGraph } from "../src/posttrain/reward-model.js";
import { sftFeeds, sftLossGraph } from "../src/posttrain/sft.js";
import { byteLevelTokenizer } from "../src/tokenizer/index.js";
import { Rng } from "../src/util/rng.js";

const { values } = parseArgs({ options: { steps: { type: "string", default: "5" } } });
const STEPS = Number(values.steps);
const model = ModelConfigSchema.parse({
  preset: "gpt2-style",
  vocabSize: 256,
  contextLength: 128,
  width: 384,
  layers: 2,
  heads: 6,
});
const T = model.contextLength;
const rng = new Rng(0);
const initial = initParameters(model, rng);
const weights: TensorMap = Object.fromEntries(
  parameterSpecs(model).map((s) => [s.name, { dtype: "F32", shape: s.shape, data: initial[s.name] }]),
);
const base: BaseModel = { dir: "-", model, weights, tokenizer: byteLevelTokenizer() };
/** Random tokens with the first 32 as the prompt; T + 1 tokens fill T (input, target) steps. */
const sequence = (length = T + 1) => ({
  ids: Array.from({ length }, () => rng.int(256)),
  lossMask: Array.from({ length }, (_, i) => (i > 32 ? 1 : 0)),
});

async function tokensPerSecond(
  name: string,
  buildLoss: (rows: number) => BuildLoss,
  rows: number,
  feeds: Feeds,
  extra: TensorMap = {},
): Promise<void> {
  const runner = await PolicyStepRunner.create({
    model,
    extraParams: Object.keys(extra).length ? [scoreHeadSpec(model)] : [],
    optimizer: OptimizerConfigSchema.parse({}),
    buildLoss,
    rows,
    microBatches: 1,
    runtime: { threads: 2 },
  });
  let state = runner.state({ ...weights, ...extra });
  let best = Infinity;
  for (let i = 0; i < STEPS + 1; i++) {
    const t0 = performance.now();
    state = (await runner.step(state, [feeds], 1e-4, i + 1)).next;
    if (i > 0) best = Math.min(best, performance.now() - t0); // the first run includes ORT's warm-up
  }
  await runner.release();
  console.log(
    `${name.padEnd(22)} ${best.toFixed(0).padStart(6)} ms/step  ${Math.round((16 * T) / (best / 1000))
      .toString()
      .padStart(7)} tokens/s`,
  );
}

console.log(`reference config, 2,048 tokens a step, best of ${STEPS}`);
await tokensPerSecond(
  "SFT step",
  (rows) => sftLossGraph(base, rows, T, false),
  16,
  sftFeeds(conversationBatch(Array.from({ length: 16 }, sequence), T, false), false),
);
const scoreHead = initScoreHead(model, rng);
const pairGroups: RewardGroup[] = Array.from({ length: 8 }, () => ({
  responses: [sequence(T), sequence(T)],
  pairs: [{ chosen: 0, rejected: 1, margin: 0, weight: 1 }],
}));
await tokensPerSecond(
  "reward-model step",
  (rows) => rewardLossGraph(base, rows, groupShape(pairGroups), T, 0),
  8,
  rewardFeeds(pairGroups, groupShape(pairGroups), T, 0),
  scoreHead,
);

// k-wise rankings: 4 rankings of 4 answers imply 24 pairs. Scoring each answer once (16 rows) against encoding
// both sides of every pair (48 rows, how pairs were trained before): same loss, a third of the forward rows.
const rankings: RewardGroup[] = Array.from({ length: 4 }, () => ({
  responses: Array.from({ length: 4 }, () => sequence(T)),
  pairs: [0, 1, 2].flatMap((c) =>
    [1, 2, 3].filter((r) => r > c).map((r) => ({ chosen: c, rejected: r, margin: 0, weight: 1 })),
  ),
}));
const perPair: RewardGroup[] = rankings.flatMap((g) =>
  g.pairs.map((p) => ({
    responses: [g.responses[p.chosen], g.responses[p.rejected]],
    pairs: [{ chosen: 0, rejected: 1, margin: 0, weight: 1 }],
  })),
);
const rankingStep = async (groups: RewardGroup[]) => {
  const shape = groupShape(groups);
  const runner = await PolicyStepRunner.create({
    model,
    extraParams: [scoreHeadSpec(model)],
    optimizer: OptimizerConfigSchema.parse({}),
    buildLoss: (rows) => rewardLossGraph(base, rows, shape, T, 0),
    rows: groups.length,
    microBatches: 1,
    runtime: { threads: 2 },
  });
  const state = runner.state({ ...weights, ...scoreHead });
  const feeds = rewardFeeds(groups, shape, T, 0);
  let best = Infinity;
  let loss = 0;
  for (let i = 0; i < STEPS + 1; i++) {
    const t0 = performance.now();
    loss = (await runner.step(state, [feeds], 1e-4, 1)).loss; // the same state each time: the same loss
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  await runner.release();
  return { best, loss };
};
const once = await rankingStep(rankings);
const twice = await rankingStep(perPair);
console.log(
  `reward model, 4 rankings of 4 (24 pairs): each answer once ${once.best.toFixed(0)} ms/step, each pair's two ` +
    `answers ${twice.best.toFixed(0)} ms/step: ${(twice.best / once.best).toFixed(1)}x faster, ` +
    `loss ${once.loss.toFixed(6)} vs ${twice.loss.toFixed(6)}`,
);
const dpoExamples = Array.from({ length: 8 }, () => ({
  chosen: sequence(),
  rejected: sequence(),
  referenceChosen: -300,
  referenceRejected: -310,
}));
await tokensPerSecond(
  "DPO step",
  (rows) => dpoLossGraph(base, rows, T, { beta: 0.1, labelSmoothing: 0, lossType: "sigmoid", rpoAlpha: 0 }),
  8,
  dpoFeeds(dpoExamples, T),
);

// PPO rollouts: the same generator PPO samples with, 128 new tokens after a 1-token prompt, cache on and off.
const generator = new Generator(model, initial, { threads: 2 });
const rollout = async (useCache: boolean) => {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await generator.generate([1], { maxNewTokens: T - 1, temperature: 1, seed: i }, useCache);
    best = Math.min(best, performance.now() - t0);
  }
  return (T - 1) / (best / 1000);
};
await rollout(true);
const cached = await rollout(true);
const uncached = await rollout(false);
await generator.release();
console.log(
  `PPO rollout tokens/s   KV cache ${cached.toFixed(0)}, full context ${uncached.toFixed(0)}: cache ${(cached / uncached).toFixed(1)}x faster at ${T - 1} new tokens`,
);
