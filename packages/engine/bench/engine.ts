/**
 * Engine benchmark (`npm run bench:engine`): training throughput of the reference config against the same model in
 * PyTorch 2.x (the pinned venv of scripts/python-env.sh) and Debian's PyTorch (/usr/bin/python3, when it has torch),
 * effective GFLOP/s against a plain MatMul, peak memory, how step time grows with width, depth and context, and
 * KV-cache against no-cache generation. Results in BENCHMARKS.md.
 *
 * Every side runs in its own process under the same conditions: THREADS intra-op threads, WARMUP untimed steps, then
 * STEPS timed ones, and nothing else of the benchmark alive in that process (an earlier version timed the engine in
 * the parent process beside other sessions, and the same config came out 1.7x apart in two tables of one run; see
 * BENCHMARKS.md). The sides alternate in rounds, so a change of machine load hits each alike; a side's figure is its
 * fastest step over all rounds. Each process also reports its CPU time per step (all threads): on a busy machine the
 * wall time mostly measures the other tenants, the CPU time much less so. The load average is printed around it all.
 *
 * Options: --threads N (2), --rounds N (3), --steps N (timed steps per process, 5), --warmup N (2), --quick (no
 * scaling table), --layouts (only the reference step in the previous version's process layouts: layoutHere).
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
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
const ROUNDS = flag("--rounds", 3);
const STEPS = flag("--steps", 5);
const WARMUP = flag("--warmup", 2);
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
/** The scaling table: one dimension of the reference changed per row. */
const SCALING_ROWS: [string, ModelConfigInput][] = [
  ["reference", REFERENCE],
  ["width 256", { ...REFERENCE, width: 256, heads: 4 }],
  ["width 768", { ...REFERENCE, width: 768, heads: 12 }],
  ["layers 1", { ...REFERENCE, layers: 1 }],
  ["layers 4", { ...REFERENCE, layers: 4 }],
  ["context 64", { ...REFERENCE, contextLength: 64 }],
  ["context 256", { ...REFERENCE, contextLength: 256 }],
];
const LAYOUTS = ["alone", "comparison", "scaling"] as const;
/**
 * glibc malloc keeping freed memory instead of returning it to the system: with its default, dynamic thresholds a
 * training step's large buffers are mapped fresh and faulted in at every step (BENCHMARKS.md).
 */
const KEEP_MEMORY = {
  GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456",
};

/** What one process reports for a side: wall time of its fastest and median timed step, CPU time per step. */
interface Timing {
  minMs: number;
  medianMs: number;
  cpuMs: number;
  /** minor page faults per step: fresh memory touched (the allocator returning memory and asking again) */
  faults: number;
}

interface StepTiming extends Timing {
  peakRssMb: number;
}

const tokensOf = (cfg: ModelConfigInput) => BATCH * (cfg.contextLength ?? 128);
const load = () => loadavg()[0].toFixed(1);

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

/** Wall and CPU time (all threads of this process) of one call. */
interface Sample {
  wallMs: number;
  cpuMs: number;
  faults: number;
}

async function measure(run: () => Promise<void>): Promise<Sample> {
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, faults: process.resourceUsage().minorPageFault - f0 };
}

function summarize(samples: Sample[]): Timing {
  const wall = samples.map((s) => s.wallMs).sort((a, b) => a - b);
  const mean = (of: (s: Sample) => number) => samples.reduce((n, s) => n + of(s), 0) / samples.length;
  return {
    minMs: wall[0],
    medianMs: wall[wall.length >> 1],
    cpuMs: mean((s) => s.cpuMs),
    faults: mean((s) => s.faults),
  };
}

/** WARMUP untimed calls of `next`, then STEPS timed ones. */
async function timeHere(next: () => Promise<Sample>): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await next();
  const samples: Sample[] = [];
  for (let i = 0; i < STEPS; i++) samples.push(await next());
  return summarize(samples);
}

/** Training steps of `input` on random batches (a new batch each, prepared outside the timing). */
async function stepper(
  input: ModelConfigInput,
): Promise<{ step: () => Promise<Sample>; release: () => Promise<void> }> {
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
  const n = tokensOf(input);
  let count = 0;
  return {
    step: () => {
      const ids = () => Int32Array.from({ length: n }, () => rng.int(model.vocabSize));
      const prepared = runner.prepare([{ inputIds: ids(), targets: ids() }]);
      return measure(async () => {
        state = (await runner.step(state, prepared, 1e-3, ++count)).next;
      });
    },
    release: () => runner.release(),
  };
}

/** Child body: training steps of `input`, and the process's peak RSS. */
async function engineStepHere(input: ModelConfigInput): Promise<StepTiming> {
  const s = await stepper(input);
  const timing = await timeHere(s.step);
  await s.release();
  return { ...timing, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** A 1024^3 MatMul session of ONNX Runtime: each call of the result runs it once. */
async function matmulSession(): Promise<() => Promise<Sample>> {
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
  return () => measure(async () => void (await session.run({ a, b: a })));
}

/** Child body: the MatMul; the timing's minMs is the fastest run. */
async function matmulHere(): Promise<Timing> {
  return timeHere(await matmulSession());
}

const gflops = (t: Timing) => (2 * 1024 ** 3) / (t.minMs / 1000) / 1e9;

/** Child body: 128 new tokens after a 16-token prompt, with and without the KV cache (fastest of 2 each). */
async function generationHere(): Promise<{ cachedMs: number; uncachedMs: number }> {
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

/** Runs this file again as a child (`--child <what> [json]`) and returns the JSON on its last line. */
function inChild<T>(what: string, input?: ModelConfigInput, env: Record<string, string> = {}): T {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--child",
      what,
      JSON.stringify(input ?? null),
      ...["--threads", THREADS, "--steps", STEPS, "--warmup", WARMUP].map(String),
    ],
    { encoding: "utf8", env: { ...process.env, ...env } },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as T;
}

interface TorchSide {
  label: string;
  python: string;
  version: string;
}

/** The PyTorch installations to compare with: the pinned venv's (2.x) and Debian's, where each has torch. */
function torchSides(): TorchSide[] {
  const venv = (() => {
    try {
      const script = fileURLToPath(new URL("../../../scripts/python-env.sh", import.meta.url));
      return execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  })();
  const candidates = [
    ...(venv ? [{ label: "PyTorch (pinned venv)", python: venv }] : []),
    { label: "PyTorch (Debian python3)", python: "/usr/bin/python3" },
  ];
  return candidates.flatMap((c) => {
    try {
      const version = execFileSync(c.python, ["-c", "import torch; print(torch.__version__)"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
      return [{ ...c, version }];
    } catch {
      return [];
    }
  });
}

function torchStep(side: TorchSide, input: ModelConfigInput, steps = STEPS, warmup = WARMUP): Timing {
  const script = fileURLToPath(new URL("../scripts/torch/bench_step.py", import.meta.url));
  const threads = String(THREADS);
  const out = execFileSync(
    side.python,
    [
      script,
      JSON.stringify(ModelConfigSchema.parse(input)),
      String(BATCH),
      String(steps),
      threads,
      String(warmup),
    ],
    { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads } },
  );
  const r = JSON.parse(out.trim().split("\n").pop()!) as {
    min_ms: number;
    median_ms: number;
    cpu_ms: number;
    faults: number;
  };
  return { minMs: r.min_ms, medianMs: r.median_ms, cpuMs: r.cpu_ms, faults: r.faults };
}

/**
 * Child body of `--layouts`: the reference step in one of the process layouts of the benchmark's previous version,
 * which timed everything in its parent process: alone; "comparison", a MatMul session beside it and a PyTorch process
 * between its steps; "scaling", the six other rows' step runners alive, one step each between its steps.
 */
async function layoutHere(layout: (typeof LAYOUTS)[number]): Promise<Timing> {
  const reference = await stepper(REFERENCE);
  const between: (() => Promise<unknown>)[] = [];
  if (layout === "comparison") {
    const matmul = await matmulSession();
    const torch = torchSides()[0];
    between.push(async () => {
      for (let i = 0; i < 5; i++) await matmul();
      if (torch) torchStep(torch, REFERENCE, 1, 0);
    });
  }
  if (layout === "scaling")
    for (const [, cfg] of SCALING_ROWS.slice(1)) between.push((await stepper(cfg)).step);
  return timeHere(async () => {
    const sample = await reference.step();
    for (const run of between) await run();
    return sample;
  });
}

/** Per side: the fastest step over all rounds, the median of the rounds' medians, and the mean CPU time. */
function combine(timings: Timing[]): Timing {
  const medians = timings.map((t) => t.medianMs).sort((a, b) => a - b);
  return {
    minMs: Math.min(...timings.map((t) => t.minMs)),
    medianMs: medians[medians.length >> 1],
    cpuMs: timings.reduce((s, t) => s + t.cpuMs, 0) / timings.length,
    faults: timings.reduce((s, t) => s + t.faults, 0) / timings.length,
  };
}

async function child(what: string, input: ModelConfigInput): Promise<unknown> {
  if (what === "step") return engineStepHere(input);
  if (what.startsWith("layout:")) return layoutHere(what.slice("layout:".length) as (typeof LAYOUTS)[number]);
  if (what === "matmul") return matmulHere();
  if (what === "generate") return generationHere();
  throw new Error(`bench: unknown child ${what}`);
}

function comparison(): void {
  const torches = torchSides();
  const sides: { label: string; run: () => Timing }[] = [
    { label: "engine", run: () => inChild<StepTiming>("step", REFERENCE) },
    ...torches.map((t) => ({ label: `${t.label} ${t.version}`, run: () => torchStep(t, REFERENCE) })),
  ];
  const steps = sides.map((): Timing[] => []);
  const matmuls: Timing[] = [];
  const loads: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(load());
    sides.forEach((s, i) => steps[i].push(s.run()));
    matmuls.push(inChild<Timing>("matmul"));
  }
  console.log(`load average (1 min) at the start of each round: ${loads.join(", ")}`);
  const results = steps.map(combine);
  const engine = results[0];
  const tokens = tokensOf(REFERENCE);
  console.log(
    "\nreference config (vocab 256, context 128, width 384, 2 layers, 6 heads, batch 16 = 2,048 tokens/step)",
  );
  console.log(
    "| side | fastest ms/step | median ms/step | CPU ms/step | page faults/step | tokens/s (fastest) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  sides.forEach((s, i) => {
    const r = results[i];
    console.log(
      `| ${s.label} | ${r.minMs.toFixed(0)} | ${r.medianMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${r.faults.toFixed(0)} | ${(tokens / (r.minMs / 1000)).toFixed(0)} |`,
    );
  });
  if (torches.length === 0) console.log("PyTorch: no python with torch found, no ratio measured");
  results.slice(1).forEach((r, i) => {
    console.log(
      `RATIO engine / ${sides[i + 1].label} tokens/s: ${(r.minMs / engine.minMs).toFixed(2)}x fastest steps, ` +
        `${(r.medianMs / engine.medianMs).toFixed(2)}x medians, ${(r.cpuMs / engine.cpuMs).toFixed(2)}x CPU time (goal >= 1.5x)`,
    );
  });
  const mm = Math.max(...matmuls.map(gflops));
  const effective = trainingFlops(REFERENCE) / (engine.minMs / 1000) / 1e9;
  console.log(`MatMul 1024^3 fp32 (ONNX Runtime, own process, same threads): ${mm.toFixed(1)} GFLOP/s`);
  console.log(
    `RATIO effective training GFLOP/s / MatMul: ${effective.toFixed(1)} / ${mm.toFixed(1)} = ${((100 * effective) / mm).toFixed(0)}% (goal >= 60%)`,
  );
}

function memory(): void {
  for (const [label, cfg] of [
    ["reference", REFERENCE],
    ["12M", TWELVE_M],
  ] as const) {
    const m = inChild<StepTiming>("step", cfg);
    const params = countParameters(ModelConfigSchema.parse(cfg));
    console.log(
      `peak RSS, ${label} config (${(params / 1e6).toFixed(2)}M params, own process): ${m.peakRssMb.toFixed(0)} MB`,
    );
  }
}

function scaling(): void {
  const rows = SCALING_ROWS;
  // Round-robin, one process per row per round, so a change in machine load hits every row alike.
  const timings = rows.map((): Timing[] => []);
  for (let round = 0; round < ROUNDS; round++)
    rows.forEach(([, cfg], i) => timings[i].push(inChild<StepTiming>("step", cfg)));
  const best = timings.map(combine);
  console.log("\nscaling (one dimension of the reference changed; each row in its own process, round-robin)");
  console.log(
    "| change | params | fastest ms/step | x reference | CPU ms/step | tokens/s |\n| --- | --- | --- | --- | --- | --- |",
  );
  rows.forEach(([label, cfg], i) => {
    const params = countParameters(ModelConfigSchema.parse(cfg));
    const { minMs, cpuMs } = best[i];
    console.log(
      `| ${label} | ${(params / 1e6).toFixed(2)}M | ${minMs.toFixed(0)} | ${(minMs / best[0].minMs).toFixed(2)} | ${cpuMs.toFixed(0)} | ${(tokensOf(cfg) / (minMs / 1000)).toFixed(0)} |`,
    );
  });
}

/** `--layouts`: each old layout in its own process, in rounds, with CPU time per step (BENCHMARKS.md). */
function layouts(): void {
  console.log(
    `reference step in the previous benchmark's process layouts (${THREADS} threads, ${STEPS} steps each)`,
  );
  console.log(
    "| layout | load average | CPU ms/step | page faults/step | fastest ms/step | median ms/step |\n| --- | --- | --- | --- | --- | --- |",
  );
  const runs: [string, string, Record<string, string>][] = [
    ...LAYOUTS.map((l): [string, string, Record<string, string>] => [l, l, {}]),
    ["alone, malloc keeping memory", "alone", KEEP_MEMORY],
  ];
  for (let round = 0; round < ROUNDS; round++)
    for (const [label, layout, env] of runs) {
      const before = load();
      const t = inChild<Timing>(`layout:${layout}`, undefined, env);
      console.log(
        `| ${label} | ${before} | ${t.cpuMs.toFixed(0)} | ${t.faults.toFixed(0)} | ${t.minMs.toFixed(0)} | ${t.medianMs.toFixed(0)} |`,
      );
    }
}

async function main(): Promise<void> {
  if (args.includes("--child")) {
    const at = args.indexOf("--child");
    console.log(JSON.stringify(await child(args[at + 1], JSON.parse(args[at + 2]) as ModelConfigInput)));
    return;
  }
  if (args.includes("--layouts")) return layouts();
  console.log(
    `engine benchmark: ${THREADS} threads, batch ${BATCH}; ${ROUNDS} rounds, each side in its own process with ` +
      `${WARMUP} warm-up and ${STEPS} timed steps; load average ${load()} on this machine`,
  );
  comparison();
  memory();
  if (!args.includes("--quick")) scaling();
  const gen = inChild<{ cachedMs: number; uncachedMs: number }>("generate");
  console.log(
    `\ngeneration, 128 new tokens after a 16-token prompt (reference model, context 256): KV cache ${gen.cachedMs.toFixed(0)} ms, ` +
      `no cache ${gen.uncachedMs.toFixed(0)} ms: cache ${(gen.uncachedMs / gen.cachedMs).toFixed(1)}x faster`,
  );
  console.log(`load average at the end: ${load()}`);
}

await main();
