/**
 * `engine reward`: a reward model from a checkpoint: the transformer plus a scalar head read at the last
 * non-padding token (the response's end-of-turn), trained with the Bradley-Terry loss (objectives/reward.ts) on
 * every pair that the pairs and k-wise rankings of the data imply. An example is a record: each of its responses
 * is scored once per step and every pair's loss is built from those scores. `RewardScorer` scores any
 * (prompt, response).
 */
import type { RewardConfig } from "../config/reward.js";
import type { JobOptions } from "../jobs/types.js";
import type { Graph, Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import type { Params } from "../models/transformer.js";
import { bradleyTerryLoss, lastTokenScores } from "../objectives/reward.js";
import { tensor } from "../runtime/session.js";
import { SPECIAL_TOKENS, type Tokenizer } from "../tokenizer/types.js";
import { Rng } from "../util/rng.js";
import { type ChatMessage, type RewardRecord, RewardRecordSchema, readJsonl } from "./data.js";
import {
  type BaseModel,
  INPUT_IDS,
  hiddenStates,
  initScoreHead,
  loadBaseModel,
  perTokenScores,
  scoreHeadSpec,
} from "./model.js";
import type { TokenizedConversation } from "./packing.js";
import { rankingToPairs } from "./pairs.js";
import type { TrainTask } from "../train/harness.js";
import type { BuildLoss } from "../train/step.js";
import { type Feeds, compileForward } from "./policy-step.js";
import { examplesTask } from "./task.js";
import { dropLongExamples, padRows, promptResponse } from "./sequences.js";
import { splitValidation } from "./split.js";

export const LAST_INDEX = "last_index";
export const PAIR_CHOSEN = "pair_chosen";
export const PAIR_REJECTED = "pair_rejected";
export const PAIR_WEIGHT = "pair_weight";
export const PAIR_MARGIN = "pair_margin";
export const ROW_WEIGHT = "row_weight";

/**
 * One record's responses, each scored once per step, and the comparisons its ranking implies as indices into
 * them: a ranking of k answers costs k forward rows for its k(k-1)/2 pairs instead of 2 per pair.
 */
export interface RewardGroup {
  responses: TokenizedConversation[];
  pairs: {
    chosen: number;
    rejected: number;
    margin: number;
    /** relative weight: 1 / (pairs of its prompt) under "prompt" weighting, else 1; renormalised per batch */
    weight: number;
  }[];
}

export function padId(tokenizer: Tokenizer): number {
  return tokenizer.specialTokens[SPECIAL_TOKENS.pad] ?? 0;
}

/** Every comparison the records imply; a pair record is a ranking of two with its own margin. */
export function rewardGroups(
  records: RewardRecord[],
  cfg: RewardConfig,
  tokenizer: Tokenizer,
): RewardGroup[] {
  return records.map((r) => {
    const responses = "responses" in r ? r.responses : [r.chosen, r.rejected];
    const ranks = "ranks" in r ? r.ranks : [0, 1];
    const implied = rankingToPairs([{ start: 0, ranks }], cfg.pairWeighting);
    return {
      responses: responses.map((resp) => promptResponse(r.prompt, resp, tokenizer)),
      pairs: implied.chosen.map((c, i) => ({
        chosen: c,
        rejected: implied.rejected[i],
        margin: "margin" in r && r.margin !== undefined ? r.margin : cfg.marginPerRank * implied.rankGap[i],
        weight: cfg.pairWeighting === "prompt" ? 1 / implied.chosen.length : 1,
      })),
    };
  });
}

/** The graph's slots per group: the most responses any record has, and the pairs a full ranking of them implies. */
export function groupShape(groups: RewardGroup[]): { responses: number; pairs: number } {
  const responses = Math.max(2, ...groups.map((g) => g.responses.length));
  return { responses, pairs: (responses * (responses - 1)) / 2 };
}

/** What a batch's loss is a mean over: the weights of its pairs (so batches and micro-batches combine exactly). */
export const groupsWeight = (groups: RewardGroup[]) =>
  groups.reduce((s, g) => s + g.pairs.reduce((t, p) => t + p.weight, 0), 0);

/** Scores [rows] of right-padded sequences: the head at each row's last real token. */
function sequenceScores(g: Graph, base: BaseModel, params: Params, rows: number, seqLen: number): Value {
  const lastIndex = g.input(LAST_INDEX, "int64", [rows]);
  return lastTokenScores(
    perTokenScores(params, hiddenStates(g, base.model, params, rows, seqLen)),
    lastIndex,
  );
}

/** `groups` records a batch, each with `shape.responses` rows and `shape.pairs` pair slots. */
export function rewardLossGraph(
  base: BaseModel,
  groups: number,
  shape: { responses: number; pairs: number },
  seqLen: number,
  centring: number,
): BuildLoss {
  return (g, params) => {
    const scores = sequenceScores(g, base, params, groups * shape.responses, seqLen);
    const pairs = groups * shape.pairs;
    const out = bradleyTerryLoss(
      {
        scores,
        chosen: g.input(PAIR_CHOSEN, "int64", [pairs]),
        rejected: g.input(PAIR_REJECTED, "int64", [pairs]),
        weight: g.input(PAIR_WEIGHT, "float32", [pairs]),
        margin: g.input(PAIR_MARGIN, "float32", [pairs]),
      },
      centring,
    );
    // statistics of the real responses only (the filler rows of a short ranking weigh 0)
    const rowWeight = g.input(ROW_WEIGHT, "float32", [groups * shape.responses]);
    const weightedMean = (x: Value) =>
      op.div(op.reduceSum(op.mul(x, rowWeight), null), op.reduceSum(rowWeight, null));
    const mean = weightedMean(scores);
    const centred = op.sub(scores, mean);
    return {
      loss: out.loss,
      outputs: {
        accuracy: out.accuracy,
        margin: out.margin,
        reward_mean: mean,
        reward_std: op.sqrt(weightedMean(op.mul(centred, centred))),
      },
    };
  };
}

/**
 * The batch inputs of `groups`: each group's responses in its `shape.responses` rows (a shorter ranking repeats
 * its first response, with row weight 0 and no pair), its pairs in its pair slots (unused slots weigh 0).
 */
export function rewardFeeds(
  groups: RewardGroup[],
  shape: { responses: number; pairs: number },
  seqLen: number,
  pad: number,
): Feeds {
  const rows = groups.length * shape.responses;
  const slots = groups.length * shape.pairs;
  const seqs = groups.flatMap((g) =>
    Array.from({ length: shape.responses }, (_, i) => g.responses[i] ?? g.responses[0]),
  );
  const { ids, last } = padRows(seqs, seqLen, pad);
  const rowWeight = new Float32Array(rows);
  const chosen = new BigInt64Array(slots);
  const rejected = new BigInt64Array(slots);
  const weight = new Float32Array(slots);
  const margin = new Float32Array(slots);
  const total = groupsWeight(groups);
  groups.forEach((g, k) => {
    const row = k * shape.responses;
    rowWeight.fill(1, row, row + g.responses.length);
    g.pairs.forEach((p, i) => {
      const slot = k * shape.pairs + i;
      chosen[slot] = BigInt(row + p.chosen);
      rejected[slot] = BigInt(row + p.rejected);
      weight[slot] = p.weight / total;
      margin[slot] = p.margin;
    });
  });
  return {
    [INPUT_IDS]: tensor("int32", [rows, seqLen], ids),
    [LAST_INDEX]: tensor("int64", [rows], last),
    [ROW_WEIGHT]: tensor("float32", [rows], rowWeight),
    [PAIR_CHOSEN]: tensor("int64", [slots], chosen),
    [PAIR_REJECTED]: tensor("int64", [slots], rejected),
    [PAIR_WEIGHT]: tensor("float32", [slots], weight),
    [PAIR_MARGIN]: tensor("float32", [slots], margin),
  };
}

export async function rewardTask(
  cfg: RewardConfig,
  input: unknown,
  log: NonNullable<JobOptions["onLog"]>,
): Promise<TrainTask<Feeds>> {
  const base = loadBaseModel(cfg.baseCheckpoint);
  const { train, validation } = splitValidation(cfg, RewardRecordSchema, readJsonl);
  const seqLen = Math.min(cfg.maxLength, base.model.contextLength);
  const warn = (m: string) => log(m, "warn");
  const groupsOf = (records: typeof train, what: string) =>
    dropLongExamples(rewardGroups(records, cfg, base.tokenizer), (g) => g.responses, seqLen, what, warn);
  const groups = {
    train: groupsOf(train, "data.train"),
    validation: groupsOf(validation, "validation data"),
  };
  const shape = groupShape([...groups.train, ...groups.validation]);
  const pad = padId(base.tokenizer);
  const scoreHead = base.weights[scoreHeadSpec(base.model).name]
    ? {}
    : initScoreHead(base.model, new Rng(cfg.seed));
  return examplesTask<RewardGroup>({
    kind: "reward",
    run: cfg,
    config: input,
    base,
    weights: { ...base.weights, ...scoreHead },
    extraParams: [scoreHeadSpec(base.model)],
    buildLoss: (rows) => rewardLossGraph(base, rows, shape, seqLen, cfg.centerRewardsCoefficient),
    train: groups.train,
    validation: groups.validation,
    collate: (batch) => rewardFeeds(batch, shape, seqLen, pad),
    tokensPerExample: shape.responses * seqLen,
    lossWeight: groupsWeight,
  });
}

/** A trained reward model that scores (prompt, response) pairs, `rows` at a time. */
export class RewardScorer {
  private constructor(
    private readonly base: BaseModel,
    private readonly weights: Feeds,
    private readonly forward: Awaited<ReturnType<typeof compileForward>>,
    readonly rows: number,
  ) {}

  static async load(dir: string, rows: number): Promise<RewardScorer> {
    const base = loadBaseModel(dir);
    const head = scoreHeadSpec(base.model);
    if (!base.weights[head.name])
      throw new Error(
        `checkpoint ${dir}: no ${head.name}; it is not a reward model (train one with engine reward)`,
      );
    const forward = await compileForward({
      model: base.model,
      extraParams: [head],
      build: (g, params) => ({ scores: sequenceScores(g, base, params, rows, base.model.contextLength) }),
    });
    const weights: Feeds = {};
    for (const [name, t] of Object.entries(base.weights))
      weights[name] = tensor("float32", t.shape, t.data as Float32Array);
    return new RewardScorer(base, weights, forward, rows);
  }

  get tokenizer(): Tokenizer {
    return this.base.tokenizer;
  }

  async score(items: { prompt: string | ChatMessage[]; response: string }[]): Promise<number[]> {
    return this.scoreSequences(
      items.map((it) => promptResponse(it.prompt, it.response, this.base.tokenizer)),
    );
  }

  /** Scores already tokenized sequences (PPO's rollouts), ending at the token whose score counts. */
  async scoreSequences(seqs: TokenizedConversation[]): Promise<number[]> {
    const T = this.base.model.contextLength;
    const out: number[] = [];
    for (let start = 0; start < seqs.length; start += this.rows) {
      const chunk = seqs.slice(start, start + this.rows);
      const filled = [...chunk, ...Array.from({ length: this.rows - chunk.length }, () => chunk[0])];
      const { ids, last } = padRows(filled, T, padId(this.base.tokenizer));
      const r = await this.forward.run(this.weights, {
        [INPUT_IDS]: tensor("int32", [this.rows, T], ids),
        [LAST_INDEX]: tensor("int64", [this.rows], last),
      });
      out.push(...Array.from(r.scores.data as Float32Array).slice(0, chunk.length));
    }
    return out;
  }

  async release(): Promise<void> {
    await this.forward.release();
  }
}
