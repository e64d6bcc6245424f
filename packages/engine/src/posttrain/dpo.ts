/**
 * `engine dpo`: direct preference optimisation of a checkpoint on `{"prompt","chosen","rejected"}` pairs
 * (objectives/dpo.ts). The reference is the starting checkpoint; its log-probs are computed once, stored in the
 * run folder (reference-logps.ts) and fed as inputs, so only the policy is in memory during training.
 */
import { resolve } from "node:path";
import type { DpoConfig } from "../config/dpo.js";
import type { JobOptions } from "../jobs/types.js";
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { tokenCrossEntropy } from "../objectives/crossEntropy.js";
import {
  AVERAGED_LOSS_TYPES,
  REFERENCE_FREE_LOSS_TYPES,
  dpoLoss,
  sequenceLogProbs,
} from "../objectives/dpo.js";
import { tensor } from "../runtime/session.js";
import { PreferencePairSchema, readJsonl } from "./data.js";
import { type BaseModel, loadBaseModel, policyLogits } from "./model.js";
import { type TokenizedConversation, conversationBatch } from "./packing.js";
import type { TrainTask } from "../train/harness.js";
import type { BuildLoss } from "../train/step.js";
import type { Feeds } from "./policy-step.js";
import { cachedReferenceLogps } from "./reference-logps.js";
import { examplesTask, microBatchRows } from "./task.js";
import { dropLongExamples, promptResponse } from "./sequences.js";
import { SFT_TARGETS, SFT_WEIGHTS, sftFeeds } from "./sft.js";
import { splitValidation } from "./split.js";

export const REFERENCE_CHOSEN = "reference_chosen";
export const REFERENCE_REJECTED = "reference_rejected";

export interface DpoExample {
  chosen: TokenizedConversation;
  rejected: TokenizedConversation;
  /** the reference's log-probs, summed (or averaged for IPO) over the response tokens */
  referenceChosen: number;
  referenceRejected: number;
}

/** Rows 0..B-1 are the chosen sequences, B..2B-1 the rejected ones. */
export function dpoLossGraph(
  base: BaseModel,
  pairs: number,
  seqLen: number,
  cfg: Pick<DpoConfig, "beta" | "labelSmoothing" | "lossType" | "rpoAlpha"> & { simpoGamma?: number },
): BuildLoss {
  return (g, params) => {
    const logits = policyLogits(g, base.model, params, 2 * pairs, seqLen);
    const targets = g.input(SFT_TARGETS, "int32", [2 * pairs, seqLen]);
    const mask = g.input(SFT_WEIGHTS, "float32", [2 * pairs, seqLen]);
    const [policyChosen, policyRejected] = op.split(
      sequenceLogProbs(logits, targets, mask, AVERAGED_LOSS_TYPES.includes(cfg.lossType)),
      0,
      [pairs, pairs],
    );
    const chosenRows = (x: Value) => op.split(x, 0, [pairs, pairs])[0];
    const { loss, ...metrics } = dpoLoss(
      {
        policyChosen,
        policyRejected,
        chosenNll:
          cfg.rpoAlpha > 0 || cfg.lossType === "orpo"
            ? tokenCrossEntropy(chosenRows(logits), chosenRows(targets), chosenRows(mask))
            : undefined,
        referenceChosen: g.input(REFERENCE_CHOSEN, "float32", [pairs]),
        referenceRejected: g.input(REFERENCE_REJECTED, "float32", [pairs]),
      },
      cfg,
    );
    return { loss, outputs: metrics };
  };
}

export function dpoFeeds(examples: DpoExample[], seqLen: number): Feeds {
  const b = examples.length;
  return {
    ...sftFeeds(
      conversationBatch(
        [...examples.map((e) => e.chosen), ...examples.map((e) => e.rejected)],
        seqLen,
        false,
      ),
      false,
    ),
    [REFERENCE_CHOSEN]: tensor(
      "float32",
      [b],
      Float32Array.from(examples, (e) => e.referenceChosen),
    ),
    [REFERENCE_REJECTED]: tensor(
      "float32",
      [b],
      Float32Array.from(examples, (e) => e.referenceRejected),
    ),
  };
}

export async function dpoTask(
  cfg: DpoConfig,
  input: unknown,
  workDir: string,
  log: NonNullable<JobOptions["onLog"]>,
): Promise<TrainTask<Feeds>> {
  const base = loadBaseModel(cfg.baseCheckpoint);
  const records = splitValidation(cfg, PreferencePairSchema, readJsonl);
  const seqLen = Math.min(cfg.maxLength, base.model.contextLength);
  const warn = (m: string) => log(m, "warn");
  const tokenize = (rs: typeof records.train, what: string) =>
    dropLongExamples(
      rs.map((r) => ({
        chosen: promptResponse(r.prompt, r.chosen, base.tokenizer),
        rejected: promptResponse(r.prompt, r.rejected, base.tokenizer),
      })),
      (p) => [p.chosen, p.rejected],
      seqLen + 1,
      what,
      warn,
    );
  const splits = {
    train: tokenize(records.train, "data.train"),
    validation: tokenize(records.validation, "validation data"),
  };

  if (cfg.referenceFree || REFERENCE_FREE_LOSS_TYPES.includes(cfg.lossType)) {
    // No reference model: its log-probs are 0 (TRL reference_free), and no reference pass runs.
    const free = (split: keyof typeof splits) =>
      splits[split].map((e) => ({ ...e, referenceChosen: 0, referenceRejected: 0 }));
    return dpoExamplesTask(cfg, input, base, seqLen, free("train"), free("validation"));
  }
  // The reference pass: once, before training; the reference weights are dropped when it returns.
  const both = (split: keyof typeof splits) => [
    ...splits[split].map((e) => e.chosen),
    ...splits[split].map((e) => e.rejected),
  ];
  const logps = await cachedReferenceLogps(
    workDir,
    { checkpoint: resolve(cfg.baseCheckpoint), model: base.model, weights: base.weights },
    { train: both("train"), validation: both("validation") },
    { rows: 2 * microBatchRows(cfg, "dpo config"), seqLen, runtime: cfg.runtime },
  );
  const withReference = (split: keyof typeof splits): DpoExample[] => {
    const n = splits[split].length;
    const { sum, tokens } = logps[split];
    const value = (i: number) => (AVERAGED_LOSS_TYPES.includes(cfg.lossType) ? sum[i] / tokens[i] : sum[i]);
    return splits[split].map((e, i) => ({
      ...e,
      referenceChosen: value(i),
      referenceRejected: value(n + i),
    }));
  };
  return dpoExamplesTask(cfg, input, base, seqLen, withReference("train"), withReference("validation"));
}

function dpoExamplesTask(
  cfg: DpoConfig,
  input: unknown,
  base: BaseModel,
  seqLen: number,
  train: DpoExample[],
  validation: DpoExample[],
): Promise<TrainTask<Feeds>> {
  return examplesTask<DpoExample>({
    kind: "dpo",
    run: cfg,
    config: input,
    base,
    weights: base.weights,
    buildLoss: (rows) => dpoLossGraph(base, rows, seqLen, cfg),
    train,
    validation,
    collate: (examples) => dpoFeeds(examples, seqLen),
    tokensPerExample: 2 * seqLen,
  });
}
