/**
 * `engine reward`: a reward model from a checkpoint: the transformer plus a scalar head read at the last
 * non-padding token (the response's end-of-turn), trained with the Bradley-Terry loss (objectives/reward.ts) on
 * every pair that the pairs and k-wise rankings of the data imply. `RewardScorer` scores any (prompt, response).
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
export const PAIR_WEIGHT = "pair_weight";
export const PAIR_MARGIN = "pair_margin";

export interface RewardPair {
  chosen: TokenizedConversation;
  rejected: TokenizedConversation;
  margin: number;
  /** relative weight: 1 / (pairs of its prompt) under "prompt" weighting, else 1; renormalised per batch */
  weight: number;
}

export function padId(tokenizer: Tokenizer): number {
  return tokenizer.specialTokens[SPECIAL_TOKENS.pad] ?? 0;
}

/** Every comparison the records imply; a pair record is a ranking of two with its own margin. */
export function rewardPairs(records: RewardRecord[], cfg: RewardConfig, tokenizer: Tokenizer): RewardPair[] {
  const pairs: RewardPair[] = [];
  for (const r of records) {
    const responses = "responses" in r ? r.responses : [r.chosen, r.rejected];
    const ranks = "ranks" in r ? r.ranks : [0, 1];
    const seqs = responses.map((resp) => promptResponse(r.prompt, resp, tokenizer));
    const implied = rankingToPairs([{ start: 0, ranks }], cfg.pairWeighting);
    implied.chosen.forEach((c, i) => {
      const margin =
        "margin" in r && r.margin !== undefined ? r.margin : cfg.marginPerRank * implied.rankGap[i];
      pairs.push({
        chosen: seqs[c],
        rejected: seqs[implied.rejected[i]],
        margin,
        weight: cfg.pairWeighting === "prompt" ? 1 / implied.chosen.length : 1,
      });
    });
  }
  return pairs;
}

/** Scores [rows] of right-padded sequences: the head at each row's last real token. */
function sequenceScores(g: Graph, base: BaseModel, params: Params, rows: number, seqLen: number): Value {
  const lastIndex = g.input(LAST_INDEX, "int64", [rows]);
  return lastTokenScores(
    perTokenScores(params, hiddenStates(g, base.model, params, rows, seqLen)),
    lastIndex,
  );
}

export function rewardLossGraph(
  base: BaseModel,
  pairsPerBatch: number,
  seqLen: number,
  centring: number,
): BuildLoss {
  return (g, params) => {
    const b = pairsPerBatch;
    const scores = sequenceScores(g, base, params, 2 * b, seqLen);
    const out = bradleyTerryLoss(
      {
        scores,
        chosen: g.int64s(Array.from({ length: b }, (_, i) => i)),
        rejected: g.int64s(Array.from({ length: b }, (_, i) => b + i)),
        weight: g.input(PAIR_WEIGHT, "float32", [b]),
        margin: g.input(PAIR_MARGIN, "float32", [b]),
      },
      centring,
    );
    const mean = op.reduceMean(scores, null);
    const centred = op.sub(scores, mean);
    return {
      loss: out.loss,
      outputs: {
        accuracy: out.accuracy,
        margin: out.margin,
        reward_mean: mean,
        reward_std: op.sqrt(op.reduceMean(op.mul(centred, centred), null)),
      },
    };
  };
}

export function rewardFeeds(pairs: RewardPair[], seqLen: number, pad: number): Feeds {
  const b = pairs.length;
  const { ids, last } = padRows(
    [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)],
    seqLen,
    pad,
  );
  const total = pairs.reduce((s, p) => s + p.weight, 0);
  return {
    [INPUT_IDS]: tensor("int32", [2 * b, seqLen], ids),
    [LAST_INDEX]: tensor("int64", [2 * b], last),
    [PAIR_WEIGHT]: tensor(
      "float32",
      [b],
      Float32Array.from(pairs, (p) => p.weight / total),
    ),
    [PAIR_MARGIN]: tensor(
      "float32",
      [b],
      Float32Array.from(pairs, (p) => p.margin),
    ),
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
  const pairsOf = (records: typeof train, what: string) =>
    dropLongExamples(
      rewardPairs(records, cfg, base.tokenizer),
      (p) => [p.chosen, p.rejected],
      seqLen,
      what,
      warn,
    );
  const pad = padId(base.tokenizer);
  const scoreHead = base.weights[scoreHeadSpec(base.model).name]
    ? {}
    : initScoreHead(base.model, new Rng(cfg.seed));
  return examplesTask<RewardPair>({
    kind: "reward",
    run: cfg,
    config: input,
    base,
    weights: { ...base.weights, ...scoreHead },
    extraParams: [scoreHeadSpec(base.model)],
    buildLoss: (rows) => rewardLossGraph(base, rows, seqLen, cfg.centerRewardsCoefficient),
    train: pairsOf(train, "data.train"),
    validation: pairsOf(validation, "validation data"),
    collate: (pairs) => rewardFeeds(pairs, seqLen, pad),
    tokensPerExample: 2 * seqLen,
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
