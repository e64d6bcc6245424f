/**
 * `engine sft`: supervised fine-tuning of a checkpoint on `{"messages":[...]}` conversations rendered with the
 * shared chat template; the loss covers the assistant's tokens only (objectives/sft.ts), optionally with packing.
 */
import type { SftConfig } from "../config/sft.js";
import { sftLoss } from "../objectives/sft.js";
import { tensor } from "../runtime/session.js";
import { renderChat } from "../tokenizer/chat.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { type Conversation, ConversationSchema, readJsonl } from "./data.js";
import {
  ATTENTION_MASK,
  type BaseModel,
  INPUT_IDS,
  POSITIONS,
  loadBaseModel,
  policyLogits,
} from "./model.js";
import {
  type SequenceBatch,
  type TokenizedConversation,
  blockCausalMask,
  conversationBatch,
} from "./packing.js";
import type { TrainTask } from "../train/harness.js";
import type { BuildLoss, CustomLoss } from "../train/step.js";
import type { Feeds } from "./policy-step.js";
import { examplesTask } from "./task.js";
import { splitValidation } from "./split.js";

export const SFT_TARGETS = "targets";
export const SFT_WEIGHTS = "loss_weights";

export function tokenizeConversation(
  c: Conversation,
  tokenizer: Tokenizer,
  assistantOnly: boolean,
): TokenizedConversation {
  const rendered = renderChat(c.messages, tokenizer);
  return { ids: rendered.ids, lossMask: assistantOnly ? rendered.assistantMask : rendered.ids.map(() => 1) };
}

/** The given rows of a batch, in that order, as a batch of their own. */
export function selectRows(batch: SequenceBatch, rows: number[]): SequenceBatch {
  const T = batch.seqLen;
  const pick = <A extends Int32Array | Float32Array | BigInt64Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(rows.length * T);
    rows.forEach((r, i) => out.set(a.subarray(r * T, (r + 1) * T) as never, i * T));
    return out;
  };
  return {
    rows: rows.length,
    seqLen: T,
    inputs: pick(batch.inputs),
    targets: pick(batch.targets),
    weights: pick(batch.weights),
    positions: pick(batch.positions),
    segments: pick(batch.segments),
  };
}

export function sftFeeds(batch: SequenceBatch, packed: boolean): Feeds {
  const shape = [batch.rows, batch.seqLen];
  const feeds: Feeds = {
    [INPUT_IDS]: tensor("int32", shape, batch.inputs),
    [SFT_TARGETS]: tensor("int32", shape, batch.targets),
    [SFT_WEIGHTS]: tensor("float32", shape, batch.weights),
  };
  if (packed) {
    feeds[POSITIONS] = tensor("int64", shape, batch.positions);
    feeds[ATTENTION_MASK] = tensor(
      "float32",
      [batch.rows, 1, batch.seqLen, batch.seqLen],
      blockCausalMask(batch),
    );
  }
  return feeds;
}

/** The SFT loss graph over `rows` sequences of `seqLen` tokens. */
export function sftLossGraph(base: BaseModel, rows: number, seqLen: number, packed: boolean): BuildLoss {
  return (g, params): CustomLoss => {
    const logits = policyLogits(g, base.model, params, rows, seqLen, packed);
    const targets = g.input(SFT_TARGETS, "int32", [rows, seqLen]);
    const mask = g.input(SFT_WEIGHTS, "float32", [rows, seqLen]);
    return { loss: sftLoss({ logits, targets, mask }), outputs: {} };
  };
}

/** Sequence length for a set of conversations: what the longest needs, capped by the config and the model. */
function sequenceLength(cfg: SftConfig, base: BaseModel, conversations: TokenizedConversation[]): number {
  const cap = Math.min(cfg.maxLength, base.model.contextLength);
  return cfg.packing ? cap : Math.min(cap, Math.max(...conversations.map((c) => c.ids.length - 1)));
}

export async function sftTask(cfg: SftConfig, input: unknown): Promise<TrainTask<Feeds>> {
  const base = loadBaseModel(cfg.baseCheckpoint);
  const { train, validation } = splitValidation(cfg, ConversationSchema, readJsonl);
  const tokenize = (cs: Conversation[]) =>
    cs.map((c) => tokenizeConversation(c, base.tokenizer, cfg.assistantOnlyLoss));
  const trainConvs = tokenize(train);
  const validationConvs = tokenize(validation);
  const seqLen = sequenceLength(cfg, base, [...trainConvs, ...validationConvs]);
  const trainRows = conversationBatch(trainConvs, seqLen, cfg.packing);
  const validationRows = validationConvs.length
    ? conversationBatch(validationConvs, seqLen, cfg.packing)
    : null;
  const rowIndices = (n: number) => Array.from({ length: n }, (_, i) => i);
  return examplesTask<{ rows: SequenceBatch; row: number }>({
    kind: "sft",
    run: cfg,
    config: input,
    base,
    weights: base.weights,
    buildLoss: (rows) => sftLossGraph(base, rows, seqLen, cfg.packing),
    train: rowIndices(trainRows.rows).map((row) => ({ rows: trainRows, row })),
    validation: validationRows
      ? rowIndices(validationRows.rows).map((row) => ({ rows: validationRows, row }))
      : [],
    collate: (examples) =>
      sftFeeds(
        selectRows(
          examples[0].rows,
          examples.map((e) => e.row),
        ),
        cfg.packing,
      ),
    tokensPerExample: seqLen,
    // the SFT loss is a mean over loss tokens: micro-batches and eval batches are weighted by theirs
    lossWeight: (examples) => {
      let tokens = 0;
      for (const { rows, row } of examples)
        for (let t = row * seqLen; t < (row + 1) * seqLen; t++) tokens += rows.weights[t];
      return tokens;
    },
  });
}
