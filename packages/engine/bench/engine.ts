/**
 * Engine benchmark (`npm run bench:engine`): training throughput of the reference config against the same model in
 * PyTorch measured in the same run, effective GFLOP/s against a plain MatMul measured in the same run, peak memory,
 * how step time grows with width, depth and context, and KV-cache against no-cache generation.
 * On a shared machine the load changes from second to second, so what is compared is measured alternately (engine,
 * PyTorch and MatMul in rounds; the scaling rows round-robin) and each side's fastest step is used. Peak memory is
 * measured in a child process per config, so each RSS is its own.
 * Options: --threads N (default 2), --rounds N (engine/PyTorch/MatMul rounds, default 5), --steps N (scaling-table
 * rounds, default 8), --quick (skip the scaling table).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ModelConfigSchema, type ModelConfigInput } from "../src/config/model.js";
import { OptimizerConfigSchema } from "../src/config/pretrain.js";
import { Generator } from "../src/generate/generator.js";
import { Graph, ops } from "../src/graph/index.js";
import { countParameters, initParameters, parameterSpecs } from "../src/models/parameters.js";
import { toOnnx } from "../src/onnx/index.js";
import { Session, tensor } from "../src/runtime/index.js";
import { StepRunner } from "../src/train/stepRunner.js";
import { Rng } from "../src/util/rng.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
const THREADS = flag("--threads", 2);
const STEPS = flag("--steps", 8);
const BATCH = 16;
const REFERENCE: ModelConfigInput = {
  preset: "gpt2-style",
  vocabSize: 256,
  contextLength: 128,
  width: 384,
  layers: 2,
  heads: 6,
};
const TWELVE_M: ModelConfigInput = { ...REFERENCE, width: 512, layers: 4, heads: 8 };

interface MemoryMeasurement {
  peakRssMb: number;
  params: number;
}

/** Matmul FLOPs of one training step: 6 per matrix weight per token, plus attention scores and mixing (x3 for backward). */
function trainingFlops(input: ModelConfigInput): number {
  const cfg = ModelConfigSchema.parse(input);
  const tokens = BATCH * cfg.contextLength;
  const matrixParams = parameterSpecs(cfg)
    .filter((s) => s.role === "matrix")
    .reduce((n, s) => n + s.shape[0] * s.shape[1], 0);
  const head = cfg.tiedHead ? cfg.vocabSize * cfg.width : 0;
  return 6 * (matrixParams + head) * tokens + 12 * cfg.layers * BATCH * cfg.contextLength ** 2 * cfg.width;
}

/** A model ready to time: one training step per call of `step()`, on random batches. */
async function stepTimer(
  input: ModelConfigInput,
): Promise<{ step: () => Promise<number>; release: () => Promise<void> }> {
  const model = ModelConfigSchema.parse(input);
  const runner = await StepRunner.create({
    model,
    objective: "causal_lm",
    batchSize: BATCH,
    optimizer: OptimizerConfigSchema.parse({}),
    microBatches: 1,
    runtime: { threads: THREADS },
  });
  let state = runner.initialState(initParameters(model, new Rng(1)));
  const rng = new Rng(2);
  const n = BATCH * model.contextLength;
  let count = 0;
  return {
    step: async () => {
      const batch = {
        inputIds: Int32Array.from({ length: n }, () => rng.int(model.vocabSize)),
        targets: Int32Array.from({ length: n }, () => rng.int(model.vocabSize)),
      };
      const prepared = runner.prepare([batch]);
      const t0 = performance.now();
      state = (await runner.step(state, prepared, 1e-3, ++count)).next;
      return performance.now() - t0;
    },
    release: () => runner.release(),
  };
}

/** Child-process body: peak RSS over three training steps (the peak is reached in the first). */
async function measureMemoryHere(input: ModelConfigInput): Promise<MemoryMeasurement> {
  const timer = await stepTimer(input);
  for (let i = 0; i < 3; i++) await timer.step();
  return {
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    params: countParameters(ModelConfigSchema.parse(input)),
  };
}

function measureMemoryInChild(input: ModelConfigInput): MemoryMeasurement {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--measure",
      JSON.stringify(input),
      "--threads",
      String(THREADS),
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as MemoryMeasurement;
}

/** Fastest PyTorch step for `threads`, or null without /usr/bin/python3 + torch. */
function torchStep(
  input: ModelConfigInput,
  threads: number,
  steps: number,
): { minMs: number; version: string } | null {
  const script = fileURLToPath(new URL("../scripts/torch/bench_step.py", import.meta.url));
  try {
    const out = execFileSync(
      "/usr/bin/python3",
      [script, JSON.stringify(ModelConfigSchema.parse(input)), String(BATCH), String(steps), String(threads)],
      {
        encoding: "utf8",
        env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
      },
    );
    const r = JSON.parse(out.trim().split("\n").pop()!);
    return { minMs: r.min_ms, version: r.torch };
  } catch {
    return null;
  }
}

async function matmulTimer(): Promise<() => Promise<number>> {
  const n = 1024;
  const g = new Graph("matmul");
  g.output("c", ops.matmul(g.input("a", "float32", [n, n]), g.input("b", "float32", [n, n])));
  const session = await Session.create(toOnnx(g), { threads: THREADS });
  const rng = new Rng(3);
  const a = tensor(
    "float32",
    [n, n],
    Float32Array.from({ length: n * n }, () => rng.normal()),
  );
  await session.run({ a, b: a });
  return async () => {
    const t0 = performance.now();
    await session.run({ a, b: a });
    return (2 * n ** 3) / ((performance.now() - t0) / 1000) / 1e9;
  };
}

async function generationSpeed(): Promise<{ cachedMs: number; uncachedMs: number }> {
  const model = ModelConfigSchema.parse({ ...REFERENCE, contextLength: 256 });
  const gen = new Generator(model, initParameters(model, new Rng(4)), { threads: THREADS });
  const prompt = Array.from({ length: 16 }, (_, i) => 65 + i);
  const time = async (useCache: boolean) => {
    const t0 = performance.now();
    await gen.generate(prompt, { maxNewTokens: 128 }, useCache);
    return performance.now() - t0;
  };
  await gen.generate(prompt, { maxNewTokens: 2 }, true); // sessions built and warm
  await gen.generate(prompt, { maxNewTokens: 2 }, false);
  let cachedMs = Infinity;
  let uncachedMs = Infinity;
  for (let round = 0; round < 2; round++) {
    cachedMs = Math.min(cachedMs, await time(true));
    uncachedMs = Math.min(uncachedMs, await time(false));
  }
  await gen.release();
  return { cachedMs, uncachedMs };
}

async function main(): Promise<void> {
  if (args.includes("--measure")) {
    console.log(JSON.stringify(await measureMemoryHere(JSON.parse(args[args.indexOf("--measure") + 1]))));
    return;
  }
  const tokens = BATCH * 128;
  const ROUNDS = flag("--rounds", 5);
  console.log(
    `engine benchmark: ${THREADS} threads, batch ${BATCH}; ${ROUNDS} rounds alternating engine, PyTorch and MatMul, fastest of each`,
  );
  const reference = await stepTimer(REFERENCE);
  await reference.step(); // warm-up
  const matmul = await matmulTimer();
  let engineMs = Infinity;
  let mm = 0;
  let torch: { minMs: number; version: string; threads: number } | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < 3; i++) engineMs = Math.min(engineMs, await reference.step());
    for (let i = 0; i < 5; i++) mm = Math.max(mm, await matmul());
    for (const threads of [1, THREADS]) {
      const t = torchStep(REFERENCE, threads, 3);
      if (t && (!torch || t.minMs < torch.minMs)) torch = { ...t, threads };
    }
  }
  await reference.release();
  const engineTokS = tokens / (engineMs / 1000);
  console.log(
    `reference config (vocab 256, context 128, width 384, 2 layers, 6 heads): ${engineMs.toFixed(0)} ms/step = ${engineTokS.toFixed(0)} tokens/s`,
  );
  if (torch) {
    const torchTokS = tokens / (torch.minMs / 1000);
    console.log(
      `PyTorch ${torch.version} (fastest with ${torch.threads} thread(s)): ${torch.minMs.toFixed(0)} ms/step = ${torchTokS.toFixed(0)} tokens/s`,
    );
    console.log(`RATIO engine/PyTorch tokens/s: ${(engineTokS / torchTokS).toFixed(2)}x (goal >= 1.5x)`);
  } else {
    console.log("PyTorch: /usr/bin/python3 with torch not found, ratio not measured");
  }
  const refGflops = trainingFlops(REFERENCE) / (engineMs / 1000) / 1e9;
  console.log(`MatMul 1024^3 fp32 (ONNX Runtime, same threads): ${mm.toFixed(1)} GFLOP/s`);
  console.log(
    `RATIO effective training GFLOP/s / MatMul: ${refGflops.toFixed(1)} / ${mm.toFixed(1)} = ${((100 * refGflops) / mm).toFixed(0)}% (goal >= 60%)`,
  );

  for (const [label, cfg] of [
    ["reference", REFERENCE],
    ["12M", TWELVE_M],
  ] as const) {
    const m = measureMemoryInChild(cfg);
    console.log(
      `peak RSS, ${label} config (${(m.params / 1e6).toFixed(2)}M params, own process): ${m.peakRssMb.toFixed(0)} MB`,
    );
  }

  if (!args.includes("--quick")) {
    const rows: [string, ModelConfigInput][] = [
      ["reference", REFERENCE],
      ["width 256", { ...REFERENCE, width: 256, heads: 4 }],
      ["width 768", { ...REFERENCE, width: 768, heads: 12 }],
      ["layers 1", { ...REFERENCE, layers: 1 }],
      ["layers 4", { ...REFERENCE, layers: 4 }],
      ["context 64", { ...REFERENCE, contextLength: 64 }],
      ["context 256", { ...REFERENCE, contextLength: 256 }],
    ];
    // Round-robin, one step of each per round, so a change in machine load hits every row alike.
    const timers = await Promise.all(rows.map(([, cfg]) => stepTimer(cfg)));
    const best = rows.map(() => Infinity);
    for (let round = 0; round < STEPS; round++)
      for (const [i, t] of timers.entries()) best[i] = Math.min(best[i], await t.step());
    console.log(
      "\nscaling (one dimension of the reference changed; fastest ms/step over round-robin rounds)",
    );
    console.log("| change | params | ms/step | x reference | tokens/s |\n| --- | --- | --- | --- | --- |");
    rows.forEach(([label, cfg], i) => {
      const params = countParameters(ModelConfigSchema.parse(cfg));
      const toks = BATCH * (cfg.contextLength ?? 128);
      console.log(
        `| ${label} | ${(params / 1e6).toFixed(2)}M | ${best[i].toFixed(0)} | ${(best[i] / best[0]).toFixed(2)} | ${(toks / (best[i] / 1000)).toFixed(0)} |`,
      );
    });
    await Promise.all(timers.map((t) => t.release()));
  }
  const gen = await generationSpeed();
  console.log(
    `\ngeneration, 128 new tokens after a 16-token prompt (reference model, context 256): KV cache ${gen.cachedMs.toFixed(0)} ms, ` +
      `no cache ${gen.uncachedMs.toFixed(0)} ms: cache ${(gen.uncachedMs / gen.cachedMs).toFixed(1)}x faster`,
  );
}

await main();
