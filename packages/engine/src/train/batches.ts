/**
 * Training batches from a token stream (one or more shards, or an array), resumable exactly from a small cursor.
 *
 * The stream is cut into disjoint windows of seqLen + 1 tokens; a window gives inputs = its first seqLen tokens and
 * targets = its last seqLen (shifted by one). Disjoint windows mean no token is shared between the train and
 * validation splits. A fixed, seeded draw puts a fraction of the windows in validation; the rest are shuffled anew
 * each epoch with Rng(seed + epoch), so (seed, epoch, position) pins down every batch that follows.
 *
 * With `documents`, every batch also says where the shards' documents begin inside each window (io/shards.ts), for
 * document masking: a segment number and a position within its document per token, and which targets begin a
 * document. A window that begins inside a document starts a segment at its first token, at position 0.
 */
import { z } from "zod";
import {
  ShardFormatError,
  documentStartsInWindow,
  documentsPath,
  positionIds,
  readDocumentStarts,
  readShard,
  segmentIds,
} from "../io/shards.js";
import { Rng } from "../util/rng.js";
import { DataCursorSchema, type DataCursor } from "./state.js";

export type { DataCursor } from "./state.js";

/** Labels at this value are ignored by the loss (PyTorch's and Hugging Face's convention). */
export const IGNORE_INDEX = -100;

/** Salts the split seed so the split draw never replays an epoch shuffle (those use seed + epoch). */
const SPLIT_SEED_SALT = 0x5f1f0000;

export const TokenBatchesOptionsSchema = z.strictObject({
  seqLen: z.number().int().min(1),
  vocabSize: z.number().int().min(1),
  /** Fraction of the windows held out for validation; 0 disables the split. */
  validationFraction: z.number().min(0).lt(1),
  seed: z.number().int().min(0).max(0xffffffff),
  /** Read each shard's document boundaries (its .docs companion) and give every batch its `documents`. */
  documents: z.boolean().optional(),
});
export type TokenBatchesOptions = z.infer<typeof TokenBatchesOptionsSchema>;

/** Where documents begin in a batch, row-major [batchSize, seqLen] like the tokens. */
export interface BatchDocuments {
  /** document number of each input token within its row (0, 0, 1, 1, 1, 2, ...) */
  segments: Int32Array;
  /** position of each input token within its document: 0 where a document (or the window) begins */
  positions: Int32Array;
  /** 1 where the target is the first token of a document (the next one: its input ends the previous document) */
  targetStartsDocument: Uint8Array;
}

export interface Batch {
  /** Row-major [batchSize, seqLen]. */
  inputs: Int32Array;
  targets: Int32Array;
  batchSize: number;
  seqLen: number;
  documents?: BatchDocuments;
}

type TokenArray = ArrayLike<number>;

export class TokenBatches {
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly seed: number;
  private readonly segments: TokenArray[];
  private readonly segmentStarts: number[];
  /** document starts as offsets in the whole stream, when the batches carry documents */
  private readonly documentStarts: number[] | null;
  private readonly trainWindows: number[];
  private readonly validationWindows: number[];
  private epoch = 0;
  private position = 0;
  private epochOrder: { epoch: number; order: number[] } | null = null;

  private constructor(
    segments: TokenArray[],
    options: TokenBatchesOptions,
    documentStarts: ArrayLike<number>[] | null = null,
  ) {
    const o = TokenBatchesOptionsSchema.parse(options);
    this.seqLen = o.seqLen;
    this.vocabSize = o.vocabSize;
    this.seed = o.seed;
    this.segments = segments;
    this.segmentStarts = [];
    let total = 0;
    for (const s of segments) {
      this.segmentStarts.push(total);
      total += s.length;
    }
    this.documentStarts = documentStarts
      ? documentStarts.flatMap((starts, i) => Array.from(starts, (s) => this.segmentStarts[i] + s))
      : null;
    const windows = Math.floor(total / (o.seqLen + 1));
    const validationCount =
      o.validationFraction > 0 ? Math.max(1, Math.round(o.validationFraction * windows)) : 0;
    if (windows - validationCount < 1) {
      throw new RangeError(
        `TokenBatches: ${total} tokens make ${windows} windows of seqLen + 1 = ${o.seqLen + 1} tokens; ` +
          `after holding out ${validationCount} for validation none is left to train on (more data or a shorter seqLen)`,
      );
    }
    const all = Array.from({ length: windows }, (_, i) => i);
    new Rng((o.seed ^ SPLIT_SEED_SALT) >>> 0).shuffle(all);
    this.validationWindows = all.slice(0, validationCount).sort((a, b) => a - b);
    this.trainWindows = all.slice(validationCount).sort((a, b) => a - b);
  }

  /** Reads the shards in order as one stream; every id is checked against the vocabulary, naming file and position. */
  static fromShards(paths: string[], options: TokenBatchesOptions, cursor?: DataCursor): TokenBatches {
    if (paths.length === 0) throw new RangeError("TokenBatches.fromShards: no shard files given");
    const { vocabSize, documents } = TokenBatchesOptionsSchema.parse(options);
    const segments = paths.map((p) => readShard(p, { vocabSize }).tokens);
    const starts = documents
      ? paths.map((p) => {
          const s = readDocumentStarts(p);
          if (!s)
            throw new ShardFormatError(
              p,
              `no document boundaries (${documentsPath(p)} is missing; shards written by \`engine data prepare\` have one), so documents cannot be masked`,
            );
          return s;
        })
      : null;
    return new TokenBatches(segments, options, starts).resumedAt(cursor);
  }

  static fromTokens(tokens: TokenArray, options: TokenBatchesOptions, cursor?: DataCursor): TokenBatches {
    const { vocabSize, documents } = TokenBatchesOptionsSchema.parse(options);
    if (documents)
      throw new RangeError(
        "TokenBatches.fromTokens: documents are read from shards (fromShards), not a token array",
      );
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
        throw new RangeError(
          `TokenBatches: token id ${t} at position ${i} is not in the vocabulary [0, ${vocabSize})`,
        );
      }
    }
    return new TokenBatches([tokens], options).resumedAt(cursor);
  }

  private resumedAt(cursor: DataCursor | undefined): this {
    if (cursor) this.resume(cursor);
    return this;
  }

  get trainSequenceCount(): number {
    return this.trainWindows.length;
  }

  get validationSequenceCount(): number {
    return this.validationWindows.length;
  }

  cursor(): DataCursor {
    return { seed: this.seed, epoch: this.epoch, position: this.position };
  }

  /** Continues exactly where the run that produced `cursor` stopped. */
  resume(cursor: DataCursor): void {
    const c = DataCursorSchema.parse(cursor);
    if (c.seed !== this.seed)
      throw new RangeError(
        `TokenBatches.resume: the cursor's seed ${c.seed} is not this data's seed ${this.seed}`,
      );
    if (c.position > this.trainWindows.length) {
      throw new RangeError(
        `TokenBatches.resume: position ${c.position} is past the ${this.trainWindows.length} training sequences of an epoch (different data?)`,
      );
    }
    this.epoch = c.epoch;
    this.position = c.position;
  }

  /** The next batchSize training sequences; an epoch boundary inside a batch simply continues into the next epoch. */
  next(batchSize: number): Batch & { cursor: DataCursor } {
    checkBatchSize(batchSize);
    const batch = this.emptyBatch(batchSize);
    for (let row = 0; row < batchSize; row++) {
      if (this.position >= this.trainWindows.length) {
        this.epoch++;
        this.position = 0;
      }
      this.copyWindow(this.orderFor(this.epoch)[this.position++], batch, row);
    }
    return { ...batch, cursor: this.cursor() };
  }

  /** The whole validation split in a fixed order; the last batch is smaller when the count does not divide evenly. */
  *validationBatches(batchSize: number): Generator<Batch> {
    checkBatchSize(batchSize);
    for (let first = 0; first < this.validationWindows.length; first += batchSize) {
      const rows = Math.min(batchSize, this.validationWindows.length - first);
      const batch = this.emptyBatch(rows);
      for (let row = 0; row < rows; row++) this.copyWindow(this.validationWindows[first + row], batch, row);
      yield batch;
    }
  }

  private orderFor(epoch: number): number[] {
    if (this.epochOrder?.epoch !== epoch) {
      this.epochOrder = {
        epoch,
        order: new Rng((this.seed + epoch) >>> 0).shuffle(this.trainWindows.slice()),
      };
    }
    return this.epochOrder.order;
  }

  private emptyBatch(batchSize: number): Batch {
    const n = batchSize * this.seqLen;
    const documents = this.documentStarts
      ? { segments: new Int32Array(n), positions: new Int32Array(n), targetStartsDocument: new Uint8Array(n) }
      : undefined;
    return {
      inputs: new Int32Array(n),
      targets: new Int32Array(n),
      batchSize,
      seqLen: this.seqLen,
      documents,
    };
  }

  private copyWindow(window: number, batch: Batch, row: number): void {
    const T = this.seqLen;
    const start = window * (T + 1);
    let segment = this.segmentIndexAt(start);
    let local = start - this.segmentStarts[segment];
    const base = row * T;
    for (let k = 0; k <= T; k++) {
      while (local >= this.segments[segment].length) {
        segment++;
        local = 0;
      }
      const token = this.segments[segment][local++];
      if (k < T) batch.inputs[base + k] = token;
      if (k > 0) batch.targets[base + k - 1] = token;
    }
    if (batch.documents && this.documentStarts) {
      // the window's T + 1 tokens: a start at offset k < T begins a segment of inputs, one at k >= 1 a target
      const starts = documentStartsInWindow(this.documentStarts, start, T + 1);
      const inputStarts = starts.filter((k) => k < T);
      batch.documents.segments.set(segmentIds(inputStarts, T), base);
      batch.documents.positions.set(positionIds(inputStarts, T), base);
      for (const k of starts) if (k > 0) batch.documents.targetStartsDocument[base + k - 1] = 1;
    }
  }

  private segmentIndexAt(position: number): number {
    let lo = 0;
    let hi = this.segmentStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segmentStarts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
}

/** Splits a batch into `count` equal micro-batches (views, no copies) for gradient accumulation. */
export function splitMicroBatches(batch: Batch, count: number): Batch[] {
  if (!Number.isInteger(count) || count < 1 || batch.batchSize % count !== 0) {
    throw new RangeError(
      `cannot split a batch of ${batch.batchSize} sequences into ${count} equal micro-batches`,
    );
  }
  const rows = batch.batchSize / count;
  const size = rows * batch.seqLen;
  const part = <A extends Int32Array | Uint8Array>(a: A, i: number) =>
    a.subarray(i * size, (i + 1) * size) as A;
  return Array.from({ length: count }, (_, i) => ({
    inputs: part(batch.inputs, i),
    targets: part(batch.targets, i),
    batchSize: rows,
    seqLen: batch.seqLen,
    documents: batch.documents && {
      segments: part(batch.documents.segments, i),
      positions: part(batch.documents.positions, i),
      targetStartsDocument: part(batch.documents.targetStartsDocument, i),
    },
  }));
}

export const MaskedLmOptionsSchema = z.strictObject({
  vocabSize: z.number().int().min(1),
  maskTokenId: z.number().int().min(0),
  /** Share of eligible positions chosen for prediction (BERT's 15%). */
  maskProbability: z.number().gt(0).max(1).default(0.15),
  /** Of the chosen positions: this share becomes the mask token, `randomShare` a random id, the rest stay (BERT 80/10/10). */
  maskShare: z.number().min(0).max(1).default(0.8),
  randomShare: z.number().min(0).max(1).default(0.1),
  /** Ids never chosen (padding, CLS, SEP, ...). */
  specialTokenIds: z.array(z.number().int().min(0)).default([]),
});
export type MaskedLmOptions = z.input<typeof MaskedLmOptionsSchema>;

/**
 * BERT masking, as Hugging Face's DataCollatorForLanguageModeling does it: each eligible position is chosen with
 * maskProbability; chosen positions become the mask token (80%), a uniformly random id (10%) or stay (10%).
 * labels hold the original id at chosen positions and IGNORE_INDEX elsewhere. If no position was chosen at all,
 * one eligible position is chosen so the loss is defined. Draws come only from `rng`, so a saved Rng replays them.
 */
export function maskTokens(
  tokens: Int32Array,
  rng: Rng,
  options: MaskedLmOptions,
): { inputs: Int32Array; labels: Int32Array } {
  const o = MaskedLmOptionsSchema.parse(options);
  if (o.maskShare + o.randomShare > 1)
    throw new RangeError(`maskShare ${o.maskShare} + randomShare ${o.randomShare} exceed 1`);
  if (o.maskTokenId >= o.vocabSize)
    throw new RangeError(`maskTokenId ${o.maskTokenId} is not in the vocabulary [0, ${o.vocabSize})`);
  const special = new Set(o.specialTokenIds);
  const inputs = tokens.slice();
  const labels = new Int32Array(tokens.length).fill(IGNORE_INDEX);
  const eligible: number[] = [];
  let chosen = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (special.has(tokens[i])) continue;
    eligible.push(i);
    if (rng.next() < o.maskProbability) {
      corrupt(i);
      chosen++;
    }
  }
  if (chosen === 0 && eligible.length > 0) corrupt(eligible[rng.int(eligible.length)]);
  return { inputs, labels };

  function corrupt(i: number): void {
    labels[i] = tokens[i];
    const r = rng.next();
    if (r < o.maskShare) inputs[i] = o.maskTokenId;
    else if (r < o.maskShare + o.randomShare) inputs[i] = rng.int(o.vocabSize);
  }
}
