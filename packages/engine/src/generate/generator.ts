/**
 * Token generation from a model: prefill the prompt into the KV cache in one run, then one run per new token.
 * Sampling draws from a seeded Rng; stop tokens end the sequence; every token is streamed to a callback.
 * The weights are baked into the compiled graphs, or (`weightsAsInputs`) fed with every run so that `setWeights`
 * swaps them without compiling anything again: PPO samples from a policy that changes after every update.
 */
import type { Tensor as OrtTensor } from "onnxruntime-node";
import type { ModelConfig } from "../config/model.js";
import { toOnnx } from "../onnx/lower.js";
import { parameterSpecs } from "../models/parameters.js";
import { checkTokenIds } from "../objectives/crossEntropy.js";
import { type RuntimeOptions, Session, tensor } from "../runtime/session.js";
import { Rng } from "../util/rng.js";
import {
  INFERENCE_IO,
  type InferenceWeights,
  WEIGHT_INPUTS,
  buildCachedGraph,
  buildFullContextGraph,
  cacheShape,
} from "./inference.js";
import { type SamplingOptions, sampleToken } from "./sample.js";

export interface GenerateOptions extends Partial<SamplingOptions> {
  maxNewTokens: number;
  seed?: number;
  stopTokens?: number[];
  /** called with each new token as soon as it is chosen */
  onToken?: (token: number) => void;
}

export interface Generation {
  tokens: number[];
  stopReason: "max_tokens" | "stop_token" | "context_full";
}

const int64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));

/** One sequence of a batch: its prompt and the seed of its own sampling Rng. */
export interface BatchRequest {
  prompt: number[];
  seed: number;
}

type Cache = Record<string, OrtTensor>;

export interface GeneratorOptions {
  /** feed the weights to every run instead of baking them into the graphs, so setWeights() needs no recompile */
  weightsAsInputs?: boolean;
}

export class Generator {
  /** cached-graph sessions by `<rows>x<new tokens>` */
  private cached = new Map<string, Promise<Session>>();
  private decodeSession: Promise<Session>;
  private fullContext: Promise<Session> | null = null;
  private readonly graphWeights: InferenceWeights;
  private weightFeeds: Record<string, OrtTensor> = {};

  constructor(
    readonly model: ModelConfig,
    weights: Record<string, Float32Array>,
    private readonly runtime: RuntimeOptions = {},
    options: GeneratorOptions = {},
  ) {
    this.graphWeights = options.weightsAsInputs ? WEIGHT_INPUTS : weights;
    if (options.weightsAsInputs) this.setWeights(weights);
    this.decodeSession = this.session(1);
  }

  /** Replaces the weights of a generator created with `weightsAsInputs` (the arrays are used, not copied). */
  setWeights(weights: Record<string, Float32Array>): void {
    if (this.graphWeights !== WEIGHT_INPUTS)
      throw new Error(
        "setWeights: this generator has its weights baked into its graphs; create it with weightsAsInputs",
      );
    const feeds: Record<string, OrtTensor> = {};
    for (const s of parameterSpecs(this.model)) {
      const w = weights[s.name];
      if (!w || w.length !== s.shape.reduce((a, b) => a * b, 1))
        throw new Error(`setWeights: weight ${s.name} is missing or not of shape [${s.shape}]`);
      feeds[s.name] = tensor("float32", s.shape, w);
    }
    this.weightFeeds = feeds;
  }

  private session(newTokens: number, rows = 1): Promise<Session> {
    const key = `${rows}x${newTokens}`;
    let s = this.cached.get(key);
    if (!s) {
      s = Session.create(
        toOnnx(buildCachedGraph(this.model, this.graphWeights, newTokens, rows)),
        this.runtime,
      );
      this.cached.set(key, s);
    }
    return s;
  }

  /** Runs a cached graph: ids [rows, S] at the rows' positions; replaces `cache` with the new one, returns logits [rows, vocab]. */
  private async runCached(
    session: Session,
    cache: Cache,
    ids: number[][],
    positions: number[],
  ): Promise<Float32Array> {
    const out = await session.run({
      ...this.weightFeeds,
      ...cache,
      [INFERENCE_IO.inputIds]: tensor("int64", [ids.length, ids[0].length], int64(ids.flat())),
      [INFERENCE_IO.position]: tensor("int64", [positions.length], int64(positions)),
    });
    for (let l = 0; l < this.model.layers; l++) {
      cache[INFERENCE_IO.pastKey(l)] = out[INFERENCE_IO.presentKey(l)];
      cache[INFERENCE_IO.pastValue(l)] = out[INFERENCE_IO.presentValue(l)];
    }
    return out[INFERENCE_IO.logits].data as Float32Array;
  }

  /** A cache of `rows` rows, from per-row data (each [1, kvHeads, contextLength, headDim]) or zeros. */
  private cacheOf(rows: number, perRow?: Cache[]): Cache {
    const shape = cacheShape(this.model, rows);
    const rowSize = cacheShape(this.model).reduce((a, b) => a * b, 1);
    const cache: Cache = {};
    for (let l = 0; l < this.model.layers; l++) {
      for (const name of [INFERENCE_IO.pastKey(l), INFERENCE_IO.pastValue(l)]) {
        const data = new Float32Array(rows * rowSize);
        perRow?.forEach((c, r) => data.set(c[name].data as Float32Array, r * rowSize));
        cache[name] = tensor("float32", shape, data);
      }
    }
    return cache;
  }

  private checkPrompt(prompt: number[], opts: GenerateOptions): void {
    if (prompt.length === 0) throw new RangeError("generate: the prompt is empty (give at least one token)");
    if (prompt.length >= this.model.contextLength)
      throw new RangeError(
        `generate: the prompt has ${prompt.length} tokens; the context holds ${this.model.contextLength}`,
      );
    checkTokenIds(prompt, this.model.vocabSize, "generate: prompt");
    if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 1)
      throw new RangeError(`generate: maxNewTokens must be a positive integer, got ${opts.maxNewTokens}`);
  }

  /** Generates with the KV cache (useCache true) or by re-running the whole context each token (for comparison). */
  async generate(prompt: number[], opts: GenerateOptions, useCache = true): Promise<Generation> {
    this.checkPrompt(prompt, opts);
    const sampling: SamplingOptions = {
      temperature: opts.temperature ?? 0,
      topK: opts.topK ?? 0,
      topP: opts.topP ?? 1,
    };
    const rng = new Rng(opts.seed ?? 0);
    const stop = new Set(opts.stopTokens ?? []);
    const next = useCache ? await this.cachedStepper(prompt) : await this.uncachedStepper(prompt);
    const tokens: number[] = [];
    let logits = await next(null);
    for (;;) {
      const token = sampleToken(logits, sampling, rng);
      tokens.push(token);
      opts.onToken?.(token);
      if (stop.has(token)) return { tokens, stopReason: "stop_token" };
      if (tokens.length >= opts.maxNewTokens) return { tokens, stopReason: "max_tokens" };
      if (prompt.length + tokens.length >= this.model.contextLength)
        return { tokens, stopReason: "context_full" };
      logits = await next(token);
    }
  }

  /** Returns a function: null -> logits after the prompt; token -> logits after appending it. */
  private async cachedStepper(prompt: number[]): Promise<(token: number | null) => Promise<Float32Array>> {
    const cache = this.cacheOf(1);
    let position = 0;
    const run = async (session: Session, ids: number[]) => {
      const logits = await this.runCached(session, cache, [ids], [position]);
      position += ids.length;
      return logits;
    };
    return async (token) =>
      token === null
        ? run(await this.session(prompt.length), prompt)
        : run(await this.decodeSession, [token]);
  }

  /**
   * Several sequences at once (PPO rollouts): each prompt is prefilled alone, then all rows decode together, one
   * run per new token for the whole batch. Row r samples with Rng(seed r) and stops as generate() would; finished
   * rows ride along until the last one ends.
   */
  async generateBatch(
    requests: BatchRequest[],
    opts: Omit<GenerateOptions, "seed" | "onToken">,
  ): Promise<Generation[]> {
    if (requests.length === 0) return [];
    for (const r of requests) this.checkPrompt(r.prompt, opts);
    const sampling: SamplingOptions = {
      temperature: opts.temperature ?? 0,
      topK: opts.topK ?? 0,
      topP: opts.topP ?? 1,
    };
    const stop = new Set(opts.stopTokens ?? []);
    const R = requests.length;
    const V = this.model.vocabSize;
    const ctx = this.model.contextLength;
    const prefilled: Cache[] = [];
    let logits: Float32Array = new Float32Array(R * V);
    for (const [r, { prompt }] of requests.entries()) {
      const cache = this.cacheOf(1);
      logits.set(await this.runCached(await this.session(prompt.length), cache, [prompt], [0]), r * V);
      prefilled.push(cache);
    }
    const cache = this.cacheOf(R, prefilled);
    const decode = await this.session(1, R);
    const rngs = requests.map((r) => new Rng(r.seed));
    const results: Generation[] = requests.map(() => ({ tokens: [], stopReason: "max_tokens" }));
    const active = new Set(requests.keys());
    for (;;) {
      for (const r of active) {
        const { tokens } = results[r];
        const token = sampleToken(logits.subarray(r * V, (r + 1) * V), sampling, rngs[r]);
        tokens.push(token);
        const reason = stop.has(token)
          ? "stop_token"
          : tokens.length >= opts.maxNewTokens
            ? "max_tokens"
            : requests[r].prompt.length + tokens.length >= ctx
              ? "context_full"
              : null;
        if (reason) {
          results[r].stopReason = reason;
          active.delete(r);
        }
      }
      if (active.size === 0) return results;
      // each row's newest token at its own position (finished rows repeat theirs, clamped inside the context)
      const positions = requests.map((q, r) =>
        Math.min(q.prompt.length + results[r].tokens.length - 1, ctx - 1),
      );
      logits = await this.runCached(
        decode,
        cache,
        results.map((g) => [g.tokens[g.tokens.length - 1]]),
        positions,
      );
    }
  }

  private async uncachedStepper(prompt: number[]): Promise<(token: number | null) => Promise<Float32Array>> {
    this.fullContext ??= Session.create(
      toOnnx(buildFullContextGraph(this.model, this.graphWeights)),
      this.runtime,
    );
    const session = await this.fullContext;
    const ctx = this.model.contextLength;
    const V = this.model.vocabSize;
    const sequence = [...prompt];
    return async (token) => {
      if (token !== null) sequence.push(token);
      const padded = [...sequence, ...new Array(ctx - sequence.length).fill(0)];
      const out = await session.run({
        ...this.weightFeeds,
        [INFERENCE_IO.inputIds]: tensor("int64", [1, ctx], int64(padded)),
      });
      const last = sequence.length - 1;
      return (out[INFERENCE_IO.logits].data as Float32Array).slice(last * V, (last + 1) * V);
    };
  }

  async release(): Promise<void> {
    const sessions = [...this.cached.values(), ...(this.fullContext ? [this.fullContext] : [])];
    await Promise.all(sessions.map(async (s) => (await s).release()));
  }
}
