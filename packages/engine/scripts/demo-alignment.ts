/**
 * The alignment demonstration (`npm run demo:alignment`): a synthetic task whose preference is checkable by code
 * (posttrain/synthetic.ts: polite replies that name the right object), from a tiny base model pretrained here,
 * through SFT, a reward model, DPO and PPO, all through `runJob`, the API the CLI and the trainer use. Prints one table:
 * model, preferred-rate (with the number of samples), well-formed rate, KL to the SFT model, validation loss on
 * held-out demonstrations, wall time. Options: --out <dir> (default: a temp folder), --samples <n> (default 200).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { JobKind } from "../src/config/jobs.js";
import { writeShard } from "../src/io/shards.js";
import { type Metrics, runJob } from "../src/jobs/index.js";
import { type BaseModel, loadBaseModel } from "../src/posttrain/model.js";
import { computeSequenceLogps } from "../src/posttrain/reference-logps.js";
import { sampleReplies } from "../src/posttrain/sampling.js";
import { tokenizeConversation } from "../src/posttrain/sft.js";
import * as task from "../src/posttrain/synthetic.js";
import { byteLevelTokenizer } from "../src/tokenizer/index.js";
import { Rng } from "../src/util/rng.js";

const { values: args } = parseArgs({
  options: {
    out: { type: "string" },
    samples: { type: "string", default: "200" },
    check: { type: "boolean", default: false },
  },
});
const out = args.out ?? mkdtempSync(join(tmpdir(), "demo-alignment-"));
const samples = Number(args.samples);
mkdirSync(out, { recursive: true });

const MODEL = {
  preset: "gpt2-style",
  vocabSize: 261,
  contextLength: 80,
  width: 64,
  layers: 2,
  heads: 4,
} as const;
const REPLY_TOKENS = 40;

function writeJsonl(name: string, records: unknown[]): string {
  const path = join(out, name);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path;
}

/** Runs a job in out/<name>; returns its result, its last metrics of each name, and the wall time. */
async function timed(kind: JobKind, name: string, config: Record<string, unknown>) {
  const t0 = performance.now();
  const last: Metrics = {};
  const result = await runJob(kind, config, {
    workDir: join(out, name),
    onMetrics: (_step, m) => Object.assign(last, m),
    onLog: (message, level) => level !== "info" && console.error(`${name}: ${level}: ${message}`),
  });
  const value = { ...result, finalDir: result.finalCheckpoint, last };
  return { value, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- data (separate seeds: no overlap by construction)
const data = {
  pretrainText: task.pretrainingText(new Rng(1), 6000),
  demos: writeJsonl("sft.jsonl", task.demonstrations(new Rng(2), 1500, 0.2)),
  heldOutDemos: task.demonstrations(new Rng(3), 200, 0.2),
  rankings: writeJsonl("rankings.jsonl", task.rankings(new Rng(4), 1600)),
  heldOutPairs: writeJsonl("heldout-pairs.jsonl", task.rankings(new Rng(5), 150)),
  pairs: writeJsonl("dpo.jsonl", task.preferencePairs(new Rng(6), 800)),
  prompts: writeJsonl(
    "prompts.jsonl",
    Array.from({ length: 512 }, ((rng) => () => ({ prompt: task.samplePrompt(rng).text }))(new Rng(7))),
  ),
  evalPrompts: Array.from(
    { length: samples },
    (
      (rng) => () =>
        task.samplePrompt(rng).text
    )(new Rng(8)),
  ),
};
const heldOutDemosPath = writeJsonl("sft-heldout.jsonl", data.heldOutDemos);

// ---------------------------------------------------------------- training
const stages: Record<string, number> = {};
const shard = join(out, "pretrain.bin");
writeShard(shard, Array.from(Buffer.from(data.pretrainText, "utf8")), { dtype: "uint16" });
const tokenizerPath = join(out, "tokenizer.json");
writeFileSync(tokenizerPath, byteLevelTokenizer().toJSON());

const base = await timed("pretrain", "base", {
  data: { shards: [shard] },
  tokenizer: tokenizerPath,
  model: MODEL,
  steps: 400,
  batchSize: 16,
  schedule: { lr: 3e-3, warmupSteps: 20 },
  evalEvery: 100,
  checkpointEvery: 400,
  validationFraction: 0.05,
});
stages.base = base.seconds;
const baseDir = base.value.finalDir;

const common = {
  batchSize: 16,
  logEvery: 50,
  evalEvery: 1000,
  saveEvery: 1000,
  schedule: { warmupSteps: 10 },
};
const sft = await timed("sft", "sft", {
  ...common,
  baseCheckpoint: baseDir,
  data: { train: data.demos, validation: heldOutDemosPath },
  learningRate: 2e-3,
  maxSteps: 400,
});
stages.SFT = sft.seconds;

const rm = await timed("reward", "rm", {
  ...common,
  batchSize: 32,
  baseCheckpoint: sft.value.finalDir,
  data: { train: data.rankings, validation: data.heldOutPairs },
  learningRate: 1e-3,
  maxSteps: 600,
});
stages.RM = rm.seconds;

const dpo = await timed("dpo", "dpo", {
  ...common,
  baseCheckpoint: sft.value.finalDir,
  data: { train: data.pairs, validationFraction: 0.05 },
  learningRate: 5e-5,
  beta: 0.1,
  rpoAlpha: 4,
  maxSteps: 100,
});
stages.DPO = dpo.seconds;

const ppo = await timed("ppo", "ppo", {
  ...common,
  baseCheckpoint: sft.value.finalDir,
  rewardCheckpoint: rm.value.finalDir,
  data: { train: data.prompts },
  learningRate: 1e-4,
  totalEpisodes: 16 * 40,
  responseLength: REPLY_TOKENS,
  temperature: 1,
  miniBatches: 2,
  klCoef: 0.2,
});
stages.PPO = ppo.seconds;

// ---------------------------------------------------------------- evaluation
const sftModel = loadBaseModel(sft.value.finalDir);

/** Mean over responses of sum_t log pi(y_t) - log ref(y_t), on samples from pi: an unbiased estimate of KL(pi || ref). */
async function klToSft(
  model: BaseModel,
  sequences: { ids: number[]; lossMask: number[] }[],
): Promise<number> {
  const T = MODEL.contextLength;
  const policy = await computeSequenceLogps(model.model, model.weights, sequences, 50, T);
  const reference = await computeSequenceLogps(sftModel.model, sftModel.weights, sequences, 50, T);
  return policy.sum.reduce((s, v, i) => s + v - reference.sum[i], 0) / sequences.length;
}

async function validationLoss(model: BaseModel): Promise<number> {
  const seqs = data.heldOutDemos.map((c) => tokenizeConversation(c, model.tokenizer, true));
  const l = await computeSequenceLogps(model.model, model.weights, seqs, 50, MODEL.contextLength);
  return -l.sum.reduce((a, b) => a + b, 0) / l.tokens.reduce((a, b) => a + b, 0);
}

interface Row {
  model: string;
  preferred: number;
  wellFormed: number;
  kl: number;
  valLoss: number;
  seconds: number;
}

async function evaluateModel(name: string, dir: string, seconds: number): Promise<Row> {
  const model = loadBaseModel(dir);
  const replies = await sampleReplies(model.model, model.weights, model.tokenizer, data.evalPrompts, {
    maxNewTokens: REPLY_TOKENS,
    temperature: 1,
    seed: 1000,
  });
  const prompts = data.evalPrompts.map(task.parsePrompt);
  const rate = (check: (p: task.SyntheticPrompt, r: string) => boolean) =>
    replies.filter((r, i) => r.ended && check(prompts[i], r.text)).length / replies.length;
  return {
    model: name,
    preferred: rate(task.isPreferred),
    wellFormed: rate(task.isWellFormed),
    kl: await klToSft(
      model,
      replies.map((r) => r.sequence),
    ),
    valLoss: await validationLoss(model),
    seconds,
  };
}

const rows = [
  await evaluateModel("base (pretrained)", baseDir, stages.base),
  await evaluateModel("SFT", sft.value.finalDir, stages.SFT),
  await evaluateModel("DPO", dpo.value.finalDir, stages.DPO),
  await evaluateModel("PPO", ppo.value.finalDir, stages.PPO),
];

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(
  `\nAlignment demo: ${samples} sampled replies per model (temperature 1), held-out prompts; KL = E[log pi - log pi_SFT] per reply`,
);
console.log("| model | preferred-rate (n) | well-formed | KL to SFT | validation loss | wall time |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(
    `| ${r.model} | ${pct(r.preferred)} (${samples}) | ${pct(r.wellFormed)} | ${r.kl.toFixed(3)} | ${r.valLoss.toFixed(3)} | ${r.seconds.toFixed(1)} s |`,
  );
}
console.log(
  `\nreward model: held-out pair accuracy ${pct(rm.value.lastEval?.["eval/accuracy"] ?? NaN)} (${rm.seconds.toFixed(1)} s)`,
);
console.log(
  `PPO last iteration: ${JSON.stringify(
    Object.fromEntries(
      Object.entries(ppo.value.last)
        .filter(([k]) => !k.includes("_ratio/") && !k.startsWith("grad_norm/"))
        .map(([k, v]) => [k, Number(v.toPrecision(4))]),
    ),
  )}`,
);
console.log(`runs in ${out}`);

// --check (CI): the claims, asserted on this run; exit 1 naming each one that does not hold.
if (args.check) {
  const [baseRow, sftRow, dpoRow, ppoRow] = rows;
  const rmAccuracy = rm.value.lastEval?.["eval/accuracy"] ?? 0;
  const claims: [string, boolean][] = [
    [
      `SFT raises the well-formed rate above the base model's (${pct(sftRow.wellFormed)} vs ${pct(baseRow.wellFormed)})`,
      sftRow.wellFormed > baseRow.wellFormed,
    ],
    [`the reward model reaches 90% held-out accuracy (${pct(rmAccuracy)})`, rmAccuracy >= 0.9],
    [
      `DPO raises the preferred rate well above SFT's (${pct(dpoRow.preferred)} vs ${pct(sftRow.preferred)})`,
      dpoRow.preferred >= sftRow.preferred + 0.2,
    ],
    [
      `PPO raises the preferred rate well above SFT's (${pct(ppoRow.preferred)} vs ${pct(sftRow.preferred)})`,
      ppoRow.preferred >= sftRow.preferred + 0.2,
    ],
  ];
  for (const [claim, holds] of claims) console.log(`${holds ? "ok  " : "FAIL"} ${claim}`);
  if (claims.some(([, holds]) => !holds)) process.exit(1);
}
