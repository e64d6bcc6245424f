/**
 * Token generation from a model: prefill the prompt into the KV cache in one run, then one run per new token.
 * Sampling draws from a seeded Rng; stop tokens end the sequence; every token is streamed to a callback.
 */
import type { Tensor as OrtTensor } from "onnxruntime-node";
import type { ModelConfig } from "../config/model.js";
import { toOnnx } from "../onnx/lower.js";
import { checkTokenIds } from "../objectives/crossEntropy.js";
import { type RuntimeOptions, Session, tensor } from "../runtime/session.js";
import { Rng } from "../util/rng.js";
import { INFERENCE_IO, buildCachedGraph, buildFullContextGraph, cacheShape } from "./inference.js";
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

export class Generator {
  private prefill = new Map<number, Promise<Session>>();
  private decodeSession: Promise<Session>;
  private fullContext: Promise<Session> | null = null;

  constructor(
    readonly model: ModelConfig,
    private readonly weights: Record<string, Float32Array>,
    private readonly runtime: RuntimeOptions = {},
  ) {
    this.decodeSession = this.session(1);
  }

  private session(newTokens: number): Promise<Session> {
    let s = this.prefill.get(newTokens);
    if (!s) {
      s = Session.create(toOnnx(buildCachedGraph(this.model, this.weights, newTokens)), this.runtime);
      this.prefill.set(newTokens, s);
    }
    return s;
  }

  private checkPrompt(prompt: number[], opts: GenerateOptions): void {
    if (prompt.length === 0) throw new RangeError("generate: the prompt is empty (give at least one token)");
    if (prompt.length >= this.model.contextLength) throw new RangeError(`generate: the prompt has ${prompt.length} tokens; the context holds ${this.model.contextLength}`);
    checkTokenIds(prompt, this.model.vocabSize, "generate: prompt");
    if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 1) throw new RangeError(`generate: maxNewTokens must be a positive integer, got ${opts.maxNewTokens}`);
  }

  /** Generates with the KV cache (useCache true) or by re-running the whole context each token (for comparison). */
  async generate(prompt: number[], opts: GenerateOptions, useCache = true): Promise<Generation> {
    this.checkPrompt(prompt, opts);
    const sampling: SamplingOptions = { temperature: opts.temperature ?? 0, topK: opts.topK ?? 0, topP: opts.topP ?? 1 };
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
      if (prompt.length + tokens.length >= this.model.contextLength) return { tokens, stopReason: "context_full" };
      logits = await next(token);
    }
  }

  /** Returns a function: null -> logits after the prompt; token -> logits after appending it. */
  private async cachedStepper(prompt: number[]): Promise<(token: number | null) => Promise<Float32Array>> {
    const cache: Record<string, OrtTensor> = {};
    const zeros = new Float32Array(cacheShape(this.model).reduce((a, b) => a * b, 1));
    for (let l = 0; l < this.model.layers; l++) {
      cache[INFERENCE_IO.pastKey(l)] = tensor("float32", cacheShape(this.model), zeros);
      cache[INFERENCE_IO.pastValue(l)] = tensor("float32", cacheShape(this.model), zeros);
    }
    let position = 0;
    const run = async (session: Session, ids: number[]) => {
      const out = await session.run({
        ...cache,
        [INFERENCE_IO.inputIds]: tensor("int64", [1, ids.length], int64(ids)),
        [INFERENCE_IO.position]: tensor("int64", [1], int64([position])),
      });
      for (let l = 0; l < this.model.layers; l++) {
        cache[INFERENCE_IO.pastKey(l)] = out[INFERENCE_IO.presentKey(l)];
        cache[INFERENCE_IO.pastValue(l)] = out[INFERENCE_IO.presentValue(l)];
      }
      position += ids.length;
      return out[INFERENCE_IO.logits].data as Float32Array;
    };
    return async (token) => (token === null ? run(await this.session(prompt.length), prompt) : run(await this.decodeSession, [token]));
  }

  private async uncachedStepper(prompt: number[]): Promise<(token: number | null) => Promise<Float32Array>> {
    this.fullContext ??= Session.create(toOnnx(buildFullContextGraph(this.model, this.weights)), this.runtime);
    const session = await this.fullContext;
    const ctx = this.model.contextLength;
    const V = this.model.vocabSize;
    const sequence = [...prompt];
    return async (token) => {
      if (token !== null) sequence.push(token);
      const padded = [...sequence, ...new Array(ctx - sequence.length).fill(0)];
      const out = await session.run({ [INFERENCE_IO.inputIds]: tensor("int64", [1, ctx], int64(padded)) });
      const last = sequence.length - 1;
      return (out[INFERENCE_IO.logits].data as Float32Array).slice(last * V, (last + 1) * V);
    };
  }

  async release(): Promise<void> {
    const sessions = [...this.prefill.values(), ...(this.fullContext ? [this.fullContext] : [])];
    await Promise.all(sessions.map(async (s) => (await s).release()));
  }
}
