/**
 * `engine kto`: KTO (objectives/kto.ts) on unpaired `{"prompt","completion","label"}` records. Each example also
 * carries a mismatched sequence, its prompt with the completion of the next record of its split (cyclically, fixed
 * for the run), from which the reference point z0 is estimated as TRL does. The reference's log-probs of both are
 * computed once and stored in the run folder (reference-logps.ts); the policy's log-probs of the mismatched
 * sequences are a forward pass on the current weights before each micro-batch, so z0 enters the step graph as an
 * input and is not differentiated.
 */
import { resolve } from "node:path";
import { z } from "zod";
import type { KtoConfig } from "../config/kto.js";
import type { JobOptions } from "../jobs/types.js";
import { sequenceLogProbs } from "../objectives/dpo.js";
import { ktoLoss, ktoReferencePoint } from "../objectives/kto.js";
import { tensor } from "../runtime/session.js";
import type { TrainTask } from "../train/harness.js";
import { PromptRecordSchema, readJsonl } from "./data.js";
import { loadBaseModel, policyLogits } from "./model.js";
import { type TokenizedConversation, conversationBatch } from "./packing.js";
import type { Feeds } from "./policy-step.js";
import { SequenceLogpsForward, cachedReferenceLogps } from "./reference-logps.js";
import { dropLongExamples, promptResponse } from "./sequences.js";
import { SFT_TARGETS, SFT_WEIGHTS, sftFeeds } from "./sft.js";
import { splitValidation } from "./split.js";
import { examplesTask, microBatchRows } from "./task.js";

/** An unpaired example: a completion labelled desirable (true) or undesirable (false). */
export const KtoRecordSchema = z.strictObject({
  prompt: PromptRecordSchema.shape.prompt,
  completion: z.string().min(1),
  label: z.boolean(),
});
export type KtoRecord = z.infer<typeof KtoRecordSchema>;

const REFERENCE = "reference_logps";
const LABEL = "label";
const KL = "kto_reference_point";

interface KtoExample {
  sequence: TokenizedConversation;
  mismatched: TokenizedConversation;
  label: boolean;
  reference: number;
  referenceMismatched: number;
}

export async function ktoTask(
  cfg: KtoConfig,
  input: unknown,
  workDir: string,
  log: NonNullable<JobOptions["onLog"]>,
): Promise<TrainTask<Feeds>> {
  const base = loadBaseModel(cfg.baseCheckpoint);
  const records = splitValidation(cfg, KtoRecordSchema, readJsonl);
  const seqLen = Math.min(cfg.maxLength, base.model.contextLength);
  const rows = microBatchRows(cfg, "kto config");
  const tokenize = (rs: KtoRecord[], what: string) =>
    dropLongExamples(
      rs.map((r, i) => ({
        sequence: promptResponse(r.prompt, r.completion, base.tokenizer),
        mismatched: promptResponse(r.prompt, rs[(i + 1) % rs.length].completion, base.tokenizer),
        label: r.label,
      })),
      (e) => [e.sequence, e.mismatched],
      seqLen + 1,
      what,
      (m) => log(m, "warn"),
    );
  const splits = {
    train: tokenize(records.train, "data.train"),
    validation: tokenize(records.validation, "validation data"),
  };

  const both = (split: keyof typeof splits) => [
    ...splits[split].map((e) => e.sequence),
    ...splits[split].map((e) => e.mismatched),
  ];
  const logps = await cachedReferenceLogps(
    workDir,
    { checkpoint: resolve(cfg.baseCheckpoint), model: base.model, weights: base.weights },
    { train: both("train"), validation: both("validation") },
    { rows, seqLen, runtime: cfg.runtime },
  );
  const withReference = (split: keyof typeof splits): KtoExample[] => {
    const n = splits[split].length;
    return splits[split].map((e, i) => ({
      ...e,
      reference: logps[split].sum[i],
      referenceMismatched: logps[split].sum[n + i],
    }));
  };
  const policyMismatched = await SequenceLogpsForward.create(base.model, rows, seqLen, cfg.runtime);

  const task = await examplesTask<KtoExample>({
    kind: "kto",
    run: cfg,
    config: input,
    base,
    weights: base.weights,
    buildLoss: (n) => (g, params) => {
      const policy = sequenceLogProbs(
        policyLogits(g, base.model, params, n, seqLen),
        g.input(SFT_TARGETS, "int32", [n, seqLen]),
        g.input(SFT_WEIGHTS, "float32", [n, seqLen]),
      );
      const { loss, ...metrics } = ktoLoss(
        {
          policy,
          reference: g.input(REFERENCE, "float32", [n]),
          label: g.input(LABEL, "float32", [n]),
          kl: g.input(KL, "float32", []),
        },
        cfg,
      );
      return { loss, outputs: metrics };
    },
    train: withReference("train"),
    validation: withReference("validation"),
    collate: async (examples, state) => {
      const mismatched = await policyMismatched.run(
        state,
        examples.map((e) => e.mismatched),
      );
      const z0 = ktoReferencePoint(
        mismatched.sum,
        examples.map((e) => e.referenceMismatched),
      );
      const n = examples.length;
      return {
        ...sftFeeds(
          conversationBatch(
            examples.map((e) => e.sequence),
            seqLen,
            false,
          ),
          false,
        ),
        [REFERENCE]: tensor(
          "float32",
          [n],
          Float32Array.from(examples, (e) => e.reference),
        ),
        [LABEL]: tensor(
          "float32",
          [n],
          Float32Array.from(examples, (e) => (e.label ? 1 : 0)),
        ),
        [KL]: tensor("float32", [], Float32Array.of(z0)),
      };
    },
    tokensPerExample: 2 * seqLen,
  });
  return {
    ...task,
    release: async () => {
      await Promise.all([task.release(), policyMismatched.release()]);
    },
  };
}
