import { join } from "node:path";
import type { Tensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { type ModelConfig, ModelConfigSchema } from "../../src/config/model.js";
import type { PretrainConfigInput } from "../../src/config/pretrain.js";
import { Graph } from "../../src/graph/graph.js";
import { writeShard } from "../../src/io/shards.js";
import { runJob } from "../../src/jobs/index.js";
import { parameterSpecs } from "../../src/models/parameters.js";
import { sequenceAttention, transformerLogits } from "../../src/models/transformer.js";
import { toOnnx } from "../../src/onnx/lower.js";
import { Session, tensor } from "../../src/runtime/session.js";
import { type Batch, TokenBatches, splitMicroBatches } from "../../src/train/batches.js";
import { documentBatch } from "../../src/train/pretrain.js";
import { IO, buildEvalGraph, declareParameters } from "../../src/train/step.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../posttrain/helpers.js";

const V = 32;
const T = 16;

/** Documents of varied lengths (some longer than a window) and the offsets where each begins. */
function documents(seed: number, count: number): { tokens: number[]; starts: number[] } {
  const rng = new Rng(seed);
  const tokens: number[] = [];
  const starts: number[] = [];
  for (let d = 0; d < count; d++) {
    starts.push(tokens.length);
    const n = 2 + rng.int(20);
    for (let i = 0; i < n; i++) tokens.push(rng.int(V));
  }
  return { tokens, starts };
}

function documentShard(seed = 3, count = 60): string {
  const { tokens, starts } = documents(seed, count);
  const path = join(tempDir("engine-docmask"), "train.bin");
  writeShard(path, tokens, { dtype: "uint16", documentStarts: starts });
  return path;
}

/** Random weights of a visible size, so attention across documents would change the logits noticeably. */
function weights(model: ModelConfig): Record<string, Tensor> {
  const rng = new Rng(5);
  return Object.fromEntries(
    parameterSpecs(model).map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return [
        s.name,
        tensor(
          "float32",
          s.shape,
          Float32Array.from({ length: n }, () => 0.2 * rng.normal()),
        ),
      ];
    }),
  );
}

/** Logits [n, V] of one token sequence on its own: plain causal attention, positions 0..n-1. */
async function aloneLogits(
  model: ModelConfig,
  params: Record<string, Tensor>,
  ids: Int32Array,
): Promise<Float32Array> {
  const n = ids.length;
  const g = new Graph("alone");
  const p = declareParameters(g, parameterSpecs(model));
  const logits = transformerLogits(model, p.byName, {
    ids: g.input(IO.inputIds, "int32", [1, n]),
    positions: g.constant(
      "int64",
      [n],
      Array.from({ length: n }, (_, i) => i),
    ),
    attend: sequenceAttention(model, n),
  });
  g.output(IO.logits, logits);
  const session = await Session.create(toOnnx(g), { threads: 1 });
  const out = await session.run({ ...params, [IO.inputIds]: tensor("int32", [1, n], ids) });
  await session.release();
  return out[IO.logits].data as Float32Array;
}

function nll(logits: Float32Array, row: number, target: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[row * V + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[row * V + v] - max);
  return Math.log(sum) + max - logits[row * V + target];
}

async function packedRun(
  model: ModelConfig,
  params: Record<string, Tensor>,
  batch: Batch,
  documentMasking: boolean,
  lossOnDocumentStarts = true,
): Promise<{ loss: number; logits: Float32Array }> {
  const rows = batch.batchSize;
  const graph = buildEvalGraph({ model, objective: "causal_lm", batchSize: rows, documentMasking }, true);
  const session = await Session.create(toOnnx(graph.graph), { threads: 1 });
  const shape = [rows, T];
  const feeds: Record<string, Tensor> = {
    ...params,
    [IO.inputIds]: tensor("int32", shape, batch.inputs),
    [IO.targets]: tensor("int32", shape, batch.targets),
  };
  if (documentMasking) {
    const b = documentBatch(batch, lossOnDocumentStarts);
    feeds[IO.lossWeights] = tensor("float32", shape, b.lossWeights!);
    feeds[IO.positions] = tensor("int32", shape, b.positions!);
    feeds[IO.attentionMask] = tensor("float32", [rows, 1, T, T], b.attentionMask!);
  }
  const out = await session.run(feeds);
  await session.release();
  return { loss: Number(out[IO.loss].data[0]), logits: out[IO.logits].data as Float32Array };
}

describe("document boundaries in token batches", () => {
  it("segments, positions and document-start targets of a window that begins inside a document", () => {
    // documents of 5, 3 and 30 tokens; the second window (tokens 17..33) begins inside the third document
    const tokens = Array.from({ length: 38 }, (_, i) => i % V);
    const path = join(tempDir("engine-docmask-b"), "train.bin");
    writeShard(path, tokens, { dtype: "uint16", documentStarts: [0, 5, 8] });
    const opts = { seqLen: T, vocabSize: V, validationFraction: 0, seed: 1, documents: true };
    // both windows in one batch, in shuffled order: tell them apart by their first token (0 and 17)
    const [first, second] = splitMicroBatches(TokenBatches.fromShards([path], opts).next(2), 2).sort(
      (x, y) => x.inputs[0] - y.inputs[0],
    );
    expect(Array.from(first.documents!.segments)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, ...Array(8).fill(2)]);
    expect(Array.from(first.documents!.positions)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 2, 3, 4, 5, 6, 7]);
    const starts = Array(T).fill(0);
    starts[4] = starts[7] = 1;
    expect(Array.from(first.documents!.targetStartsDocument)).toEqual(starts);
    expect(Array.from(second.documents!.segments)).toEqual(Array(T).fill(0));
    expect(Array.from(second.documents!.positions)).toEqual(Array.from({ length: T }, (_, i) => i));
    expect(Array.from(second.documents!.targetStartsDocument)).toEqual(Array(T).fill(0));
  });

  it("refuses shards without a .docs companion, naming the file", () => {
    const path = join(tempDir("engine-docmask-c"), "old.bin");
    writeShard(
      path,
      Array.from({ length: 100 }, (_, i) => i % V),
      { dtype: "uint16" },
    );
    expect(() =>
      TokenBatches.fromShards([path], {
        seqLen: T,
        vocabSize: V,
        validationFraction: 0,
        seed: 1,
        documents: true,
      }),
    ).toThrow(/old\.docs is missing/);
  });
});

describe.each(["gpt2-style", "llama-style"] as const)("document masking (%s)", (preset) => {
  const model = ModelConfigSchema.parse({
    preset,
    vocabSize: V,
    contextLength: T,
    width: 16,
    layers: 2,
    heads: 4,
    kvHeads: preset === "llama-style" ? 2 : undefined,
    dropout: 0,
  });

  it("a packed batch equals its documents run one by one (logits and loss within 1e-6)", async () => {
    const batches = TokenBatches.fromShards([documentShard()], {
      seqLen: T,
      vocabSize: V,
      validationFraction: 0,
      seed: 1,
      documents: true,
    });
    const batch = batches.next(4);
    const docs = batch.documents!;
    expect(Math.max(...docs.segments)).toBeGreaterThanOrEqual(2);
    const params = weights(model);
    const packed = await packedRun(model, params, batch, true);
    const packedMasked = await packedRun(model, params, batch, true, false);
    const plain = await packedRun(model, params, batch, false);

    let worst = 0;
    let crossTalk = 0;
    const nlls: { value: number; startsDocument: boolean }[] = [];
    for (let r = 0; r < batch.batchSize; r++) {
      for (let a = 0; a < T;) {
        let e = a + 1;
        while (e < T && docs.segments[r * T + e] === docs.segments[r * T + a]) e++;
        const alone = await aloneLogits(model, params, batch.inputs.slice(r * T + a, r * T + e));
        for (let i = 0; i < e - a; i++) {
          const at = r * T + a + i;
          for (let v = 0; v < V; v++) {
            worst = Math.max(worst, Math.abs(packed.logits[at * V + v] - alone[i * V + v]));
            crossTalk = Math.max(crossTalk, Math.abs(plain.logits[at * V + v] - alone[i * V + v]));
          }
          nlls.push({
            value: nll(alone, i, batch.targets[at]),
            startsDocument: docs.targetStartsDocument[at] === 1,
          });
        }
        a = e;
      }
    }
    expect(worst).toBeLessThan(1e-6);
    // without the mask, later documents see earlier ones: the comparison above can fail
    expect(crossTalk).toBeGreaterThan(1e-2);

    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(nlls.some((n) => n.startsDocument)).toBe(true);
    expect(Math.abs(packed.loss - mean(nlls.map((n) => n.value)))).toBeLessThan(1e-6);
    expect(
      Math.abs(packedMasked.loss - mean(nlls.filter((n) => !n.startsDocument).map((n) => n.value))),
    ).toBeLessThan(1e-6);
  });
});

describe("runJob pretrain with documentMasking", () => {
  const config = (extra: Partial<PretrainConfigInput> = {}): PretrainConfigInput => ({
    data: { shards: [documentShard(7, 400)] },
    model: { vocabSize: V, contextLength: T, width: 16, layers: 1, heads: 2, dropout: 0.1 },
    documentMasking: true,
    steps: 4,
    batchSize: 4,
    evalEvery: 2,
    evalBatches: 2,
    checkpointEvery: 100,
    runtime: { threads: 2, executionProvider: "cpu" },
    ...extra,
  });

  it("trains with micro-batches and with K steps per run, and evaluates", { timeout: 60_000 }, async () => {
    for (const extra of [{ microBatches: 2, lossOnDocumentStarts: false }, { stepsPerRun: 2 }]) {
      const losses: number[] = [];
      const evals: number[] = [];
      const result = await runJob("pretrain", config(extra), {
        workDir: tempDir("engine-docmask-run"),
        onMetrics: (_, m) => {
          if (m["train/loss"] !== undefined) losses.push(m["train/loss"]);
          if (m["eval/loss"] !== undefined) evals.push(m["eval/loss"]);
        },
      });
      expect(result.status).toBe("completed");
      expect(losses).toHaveLength(4);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(evals.length).toBeGreaterThan(0);
    }
  });

  it("refuses the masked LM objective by name", async () => {
    await expect(
      runJob(
        "pretrain",
        config({
          objective: "masked_lm",
          model: {
            vocabSize: V,
            contextLength: T,
            width: 16,
            layers: 1,
            heads: 2,
            preset: "bert-style",
          },
        }),
        { workDir: tempDir("engine-docmask-mlm") },
      ),
    ).rejects.toThrow("documentMasking applies to objective causal_lm only");
  });
});
