/**
 * Online post-training's shared half (PPO, GRPO, RLOO): sample responses from the policy with the KV-cache
 * generator, then score every response token under the policy and the frozen reference with the same tempered
 * distribution that was sampled. TRL divides the logits by the sampling temperature before every log-prob
 * (`logits /= temperature`); without it the KL penalty and the importance ratios would refer to a distribution
 * that was never sampled (at temperature 0.7 the untempered log-probs are of a flatter policy).
 */
import type { ModelConfig } from "../config/model.js";
import { Generator } from "../generate/generator.js";
import type { Graph, Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import type { ParamSpec } from "../models/parameters.js";
import { parameterSpecs } from "../models/parameters.js";
import { type Params, lmHead } from "../models/transformer.js";
import { tokenLogProbs } from "../objectives/sft.js";
import { type RuntimeOptions, tensor } from "../runtime/session.js";
import { renderChat } from "../tokenizer/chat.js";
import { SPECIAL_TOKENS, type Tokenizer } from "../tokenizer/types.js";
import { promptMessages, type PromptRecord } from "./data.js";
import { type BaseModel, INPUT_IDS, hiddenStates } from "./model.js";
import { type SequenceBatch, type TokenizedConversation, conversationBatch } from "./packing.js";
import { type Feeds, compileForward } from "./policy-step.js";
import { SFT_TARGETS } from "./sft.js";

/** Next-token logits of the sampling distribution: the LM head's logits divided by the temperature. */
export function temperedLogits(
  model: ModelConfig,
  params: Params,
  hidden: Value,
  temperature: number,
): Value {
  return op.div(lmHead(model, params, hidden), temperature);
}

export interface Rollouts {
  prompts: RolloutPrompt[];
  sequences: TokenizedConversation[];
  /** [rows, T]: inputs, targets, and weights = 1 on the positions that predict response tokens */
  batch: SequenceBatch;
  mask: number[][];
  /** log pi(a_t) of the sampling policy and of the reference at every response token (0 elsewhere) */
  logprobs: number[][];
  refLogprobs: number[][];
  /** the optional extra outputs of the policy forward (PPO: values), masked like the log-probs */
  extra: Record<string, number[][]>;
  /** whether each response emitted the end-of-turn token */
  ended: boolean[];
  /** response tokens (the end-of-turn token included) */
  lengths: number[];
  /** the responses as text, without the end-of-turn token */
  texts: string[];
}

export interface RolloutSamplerOptions {
  base: BaseModel;
  /** rows of every rollout batch (the forward graphs have static shapes) */
  rows: number;
  temperature: number;
  responseLength: number;
  runtime?: RuntimeOptions;
  /** parameters besides the policy's in the training state (PPO's value model) */
  extraParams?: ParamSpec[];
  /** further per-token outputs computed from the same token ids (PPO: the value model's values) */
  extraOutputs?: (g: Graph, params: Params, ids: Value) => Record<string, Value>;
}

const rowsOf = (data: Float32Array, rows: number, T: number): number[][] =>
  Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * T, (r + 1) * T)));

/** A prompt as the policy sees it (chat template with the generation prompt) and as a reward function reads it. */
export interface RolloutPrompt {
  ids: number[];
  /** the prompt itself, or a conversation's last user turn */
  text: string;
}

export function tokenizePrompts(records: PromptRecord[], tokenizer: Tokenizer): RolloutPrompt[] {
  return records.map((r) => {
    const messages = promptMessages(r.prompt);
    return {
      ids: renderChat(messages, tokenizer, { addGenerationPrompt: true }).ids,
      text: messages.filter((m) => m.role === "user").at(-1)?.content ?? "",
    };
  });
}

/** Checks that every prompt leaves room for a full response; names the split and the prompt. */
export function checkPromptLengths(
  prompts: RolloutPrompt[],
  responseLength: number,
  T: number,
  split: string,
) {
  const tooLong = prompts.findIndex((p) => p.ids.length + responseLength > T);
  if (tooLong >= 0)
    throw new Error(
      `${split}: prompt ${tooLong + 1} has ${prompts[tooLong].ids.length} tokens; with responseLength ${responseLength} it exceeds the context ${T}`,
    );
}

export class RolloutSampler {
  private constructor(
    private readonly o: RolloutSamplerOptions,
    private readonly endOfTurn: number,
    private readonly generator: Generator,
    private readonly policy: Awaited<ReturnType<typeof compileForward>>,
    private readonly reference: Awaited<ReturnType<typeof compileForward>>,
    private readonly referenceWeights: Feeds,
  ) {}

  static async create(o: RolloutSamplerOptions): Promise<RolloutSampler> {
    const { model, tokenizer, weights } = o.base;
    const T = model.contextLength;
    const endOfTurn = tokenizer.specialTokens[SPECIAL_TOKENS.imEnd];
    if (endOfTurn === undefined)
      throw new Error(
        `base checkpoint: the tokenizer has no ${SPECIAL_TOKENS.imEnd} token to end a response`,
      );
    const logprobs = (g: Graph, params: Params, ids: Value) =>
      tokenLogProbs(
        temperedLogits(model, params, hiddenStates(g, model, params, o.rows, T, false, ids), o.temperature),
        g.input(SFT_TARGETS, "int32", [o.rows, T]),
      );
    const [policy, reference] = await Promise.all([
      compileForward({
        model,
        extraParams: o.extraParams,
        runtime: o.runtime,
        build: (g, params) => {
          const ids = g.input(INPUT_IDS, "int32", [o.rows, T]);
          return { logprobs: logprobs(g, params, ids), ...o.extraOutputs?.(g, params, ids) };
        },
      }),
      compileForward({
        model,
        runtime: o.runtime,
        build: (g, params) => ({ logprobs: logprobs(g, params, g.input(INPUT_IDS, "int32", [o.rows, T])) }),
      }),
    ]);
    const names = parameterSpecs(model).map((s) => s.name);
    const referenceWeights: Feeds = Object.fromEntries(
      names.map((n) => [n, tensor("float32", weights[n].shape, weights[n].data as Float32Array)]),
    );
    // One generator for the whole run: its sessions take the weights as inputs, so a policy update needs no compile.
    const generator = new Generator(model, policyArrays(names, referenceWeights), o.runtime, {
      weightsAsInputs: true,
    });
    return new RolloutSampler(o, endOfTurn, generator, policy, reference, referenceWeights);
  }

  /** Samples one response per prompt (exactly `rows` prompts), seeds[i] drawing row i. */
  async sample(state: Feeds, prompts: RolloutPrompt[], seeds: number[]): Promise<Rollouts> {
    const { rows, responseLength, temperature } = this.o;
    const T = this.o.base.model.contextLength;
    if (prompts.length !== rows)
      throw new Error(`rollouts: expected ${rows} prompts per batch, got ${prompts.length}`);
    const names = parameterSpecs(this.o.base.model).map((s) => s.name);
    this.generator.setWeights(policyArrays(names, state));
    const generations = await this.generator.generateBatch(
      prompts.map((p, i) => ({ prompt: p.ids, seed: seeds[i] })),
      { maxNewTokens: responseLength, temperature, stopTokens: [this.endOfTurn] },
    );
    const sequences: TokenizedConversation[] = generations.map((gen, i) => ({
      ids: [...prompts[i].ids, ...gen.tokens],
      lossMask: [...prompts[i].ids.map(() => 0), ...gen.tokens.map(() => 1)],
    }));
    const batch = conversationBatch(sequences, T, false);
    const feeds = {
      [INPUT_IDS]: tensor("int32", [rows, T], batch.inputs),
      [SFT_TARGETS]: tensor("int32", [rows, T], batch.targets),
    };
    const policyOut = await this.policy.run(state, feeds);
    const referenceOut = await this.reference.run(this.referenceWeights, feeds);
    const mask = rowsOf(batch.weights, rows, T);
    const masked = (data: Float32Array) =>
      rowsOf(data, rows, T).map((row, r) => row.map((v, t) => v * mask[r][t]));
    const { logprobs, ...extra } = policyOut;
    return {
      prompts,
      sequences,
      batch,
      mask,
      logprobs: masked(logprobs.data as Float32Array),
      refLogprobs: masked(referenceOut.logprobs.data as Float32Array),
      extra: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, masked(v.data as Float32Array)])),
      ended: generations.map((gen) => gen.stopReason === "stop_token"),
      lengths: generations.map((gen) => gen.tokens.length),
      texts: generations.map((gen) =>
        this.o.base.tokenizer.decode(gen.stopReason === "stop_token" ? gen.tokens.slice(0, -1) : gen.tokens),
      ),
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.policy.release(), this.reference.release(), this.generator.release()]);
  }
}

function policyArrays(names: string[], feeds: Feeds): Record<string, Float32Array> {
  return Object.fromEntries(names.map((n) => [n, feeds[n].data as Float32Array]));
}

/** The reward of each rollout: a reward model's score or a reward function's, minus the missing-EOS penalty. */
export type Rewarder = (rollouts: Rollouts) => Promise<number[]>;

/**
 * Held-out evaluation of an online method: one response per validation prompt at the training temperature (fixed
 * seeds, so every evaluation sees the same draws), its reward, its KL to the reference (sum over tokens of
 * log pi - log ref) and its length. `eval/loss` is minus the KL-regularised reward, so lower is better as the
 * harness's best checkpoint and early stopping expect.
 */
export async function evaluateRollouts(
  sampler: RolloutSampler,
  state: Feeds,
  prompts: RolloutPrompt[],
  rows: number,
  rewarder: Rewarder,
  klCoef: number,
  seed: number,
): Promise<Record<string, number>> {
  let reward = 0;
  let kl = 0;
  let length = 0;
  let ended = 0;
  for (let start = 0; start < prompts.length; start += rows) {
    const chunk = prompts.slice(start, start + rows);
    // Static shapes: the last chunk is filled with its first prompt, whose rows are then left out.
    const filled = [...chunk, ...Array.from({ length: rows - chunk.length }, () => chunk[0])];
    const r = await sampler.sample(
      state,
      filled,
      filled.map((_, i) => seed * 1_000_003 + 0x5eed + start + i),
    );
    const scores = await rewarder(r);
    for (let i = 0; i < chunk.length; i++) {
      reward += scores[i];
      kl += r.logprobs[i].reduce((s, lp, t) => s + lp - r.refLogprobs[i][t], 0);
      length += r.lengths[i];
      ended += r.ended[i] ? 1 : 0;
    }
  }
  const n = prompts.length;
  return {
    "eval/loss": -(reward - klCoef * kl) / n,
    "eval/scores": reward / n,
    "eval/kl": kl / n,
    "eval/response_length": length / n,
    "eval/eos_rate": ended / n,
  };
}
