/**
 * DPO's reference log-probabilities, computed once before training and kept on disk, so the reference model is
 * never in memory while the policy trains (TRL's precompute_ref_log_probs, made the only mode). The file
 * `reference_logps.safetensors` in the run folder holds, per split, the summed response log-probs and the response
 * token counts of the chosen and rejected sequences (float64 sums, so IPO's averages need no second pass), plus
 * metadata naming the reference checkpoint and a hash of the sequences: a resumed run reuses the file only if both
 * match, and recomputes otherwise.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ModelConfig } from "../config/model.js";
import { type TensorMap, readSafetensors, writeSafetensors } from "../io/safetensors.js";
import { sequenceLogProbs } from "../objectives/dpo.js";
import { type RuntimeOptions, tensor } from "../runtime/session.js";
import { INPUT_IDS, policyLogits } from "./model.js";
import { type TokenizedConversation, conversationBatch } from "./packing.js";
import { type Feeds, compileForward } from "./policy-step.js";
import { SFT_TARGETS, SFT_WEIGHTS } from "./sft.js";

export const REFERENCE_LOGPS_FILE = "reference_logps.safetensors";

export interface SequenceLogps {
  /** summed log-probs of the response tokens */
  sum: Float64Array;
  /** response tokens per sequence */
  tokens: Float64Array;
}

export function sequencesHash(seqs: TokenizedConversation[]): string {
  const h = createHash("sha256");
  for (const s of seqs) h.update(JSON.stringify([s.ids, s.lossMask]));
  return h.digest("hex");
}

/** Log-probs of many sequences under one model, `rows` sequences of `seqLen` steps per forward pass. */
/** A forward graph of summed response log-probs over `rows` sequences, for any weights (reference or policy). */
export class SequenceLogpsForward {
  private constructor(
    private readonly forward: Awaited<ReturnType<typeof compileForward>>,
    private readonly rows: number,
    private readonly seqLen: number,
  ) {}

  static async create(
    model: ModelConfig,
    rows: number,
    seqLen: number,
    runtime?: RuntimeOptions,
  ): Promise<SequenceLogpsForward> {
    const forward = await compileForward({
      model,
      runtime,
      build: (g, params) => {
        const logits = policyLogits(g, model, params, rows, seqLen);
        const targets = g.input(SFT_TARGETS, "int32", [rows, seqLen]);
        const mask = g.input(SFT_WEIGHTS, "float32", [rows, seqLen]);
        return { logps: sequenceLogProbs(logits, targets, mask) };
      },
    });
    return new SequenceLogpsForward(forward, rows, seqLen);
  }

  /** Any number of sequences, `rows` at a time (the last chunk filled with its first sequence, then dropped). */
  async run(weights: Feeds, seqs: TokenizedConversation[]): Promise<SequenceLogps> {
    const { rows, seqLen } = this;
    const result: SequenceLogps = {
      sum: new Float64Array(seqs.length),
      tokens: new Float64Array(seqs.length),
    };
    for (let start = 0; start < seqs.length; start += rows) {
      const chunk = seqs.slice(start, start + rows);
      const batch = conversationBatch(
        [...chunk, ...Array.from({ length: rows - chunk.length }, () => chunk[0])],
        seqLen,
        false,
      );
      const shape = [rows, seqLen];
      const out = await this.forward.run(weights, {
        [INPUT_IDS]: tensor("int32", shape, batch.inputs),
        [SFT_TARGETS]: tensor("int32", shape, batch.targets),
        [SFT_WEIGHTS]: tensor("float32", shape, batch.weights),
      });
      chunk.forEach((s, i) => {
        result.sum[start + i] = (out.logps.data as Float32Array)[i];
        result.tokens[start + i] = s.lossMask.slice(1).reduce((a, b) => a + b, 0);
      });
    }
    return result;
  }

  release(): Promise<void> {
    return this.forward.release();
  }
}

export async function computeSequenceLogps(
  model: ModelConfig,
  weights: TensorMap,
  seqs: TokenizedConversation[],
  rows: number,
  seqLen: number,
  runtime?: RuntimeOptions,
): Promise<SequenceLogps> {
  const forward = await SequenceLogpsForward.create(model, rows, seqLen, runtime);
  const weightFeeds: Feeds = {};
  for (const [name, t] of Object.entries(weights))
    weightFeeds[name] = tensor("float32", t.shape, t.data as Float32Array);
  try {
    return await forward.run(weightFeeds, seqs);
  } finally {
    await forward.release();
  }
}

export interface ReferenceLogpsKey {
  referenceCheckpoint: string;
  /** hash of every split's sequences, in order */
  hash: string;
}

/** Reads the stored reference log-probs when they were computed for this reference and these sequences. */
export function readReferenceLogps(
  path: string,
  key: ReferenceLogpsKey,
  splits: string[],
): Record<string, SequenceLogps> | null {
  if (!existsSync(path)) return null;
  const { tensors, metadata } = readSafetensors(path);
  if (metadata.referenceCheckpoint !== key.referenceCheckpoint || metadata.hash !== key.hash) return null;
  const out: Record<string, SequenceLogps> = {};
  for (const split of splits) {
    const sum = tensors[`${split}.sum`];
    const tokens = tensors[`${split}.tokens`];
    if (!sum || !tokens) return null;
    out[split] = { sum: sum.data as Float64Array, tokens: tokens.data as Float64Array };
  }
  return out;
}

export function writeReferenceLogps(
  path: string,
  key: ReferenceLogpsKey,
  logps: Record<string, SequenceLogps>,
): void {
  const tensors: TensorMap = {};
  for (const [split, l] of Object.entries(logps)) {
    tensors[`${split}.sum`] = { dtype: "F64", shape: [l.sum.length], data: l.sum };
    tensors[`${split}.tokens`] = { dtype: "F64", shape: [l.tokens.length], data: l.tokens };
  }
  writeSafetensors(path, tensors, { referenceCheckpoint: key.referenceCheckpoint, hash: key.hash });
}

/**
 * The reference model's log-probs of each split's sequences: read from `workDir` when they were computed for this
 * reference and these sequences, else computed once (the reference weights are dropped when it returns) and stored.
 */
export async function cachedReferenceLogps<K extends string>(
  workDir: string,
  reference: { checkpoint: string; model: ModelConfig; weights: TensorMap },
  sequences: Record<K, TokenizedConversation[]>,
  pass: { rows: number; seqLen: number; runtime?: RuntimeOptions },
): Promise<Record<K, SequenceLogps>> {
  mkdirSync(workDir, { recursive: true });
  const file = join(workDir, REFERENCE_LOGPS_FILE);
  const splits = Object.keys(sequences) as K[];
  const key = {
    referenceCheckpoint: reference.checkpoint,
    hash: sequencesHash(splits.flatMap((split) => sequences[split])),
  };
  const stored = readReferenceLogps(file, key, splits);
  if (stored) return stored as Record<K, SequenceLogps>;
  const logps = {} as Record<K, SequenceLogps>;
  for (const split of splits)
    logps[split] = await computeSequenceLogps(
      reference.model,
      reference.weights,
      sequences[split],
      pass.rows,
      pass.seqLen,
      pass.runtime,
    );
  writeReferenceLogps(file, key, logps);
  return logps;
}
