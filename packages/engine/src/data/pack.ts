/**
 * Packing: documents in mixed order are tokenized, followed by <|endoftext|>, concatenated, and cut into sequences of
 * exactly `sequenceLength` tokens (a document may span two sequences; the final partial sequence is dropped and
 * counted). Each sequence goes to train or validation by a seeded draw. Full shards are written atomically; after each
 * document that completed a shard, a checkpoint (state.json plus the unfinished shards' sequences) lets an interrupted
 * run continue exactly where it stopped: the mixed order is replayed from the seed up to the saved document count.
 * Every shard records where its documents begin (a .docs companion, see io/shards.ts), so training can keep
 * attention within documents. A finished run leaves no work files behind but its state.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DataPrepareConfig } from "../config/data.js";
import { documentsPath, dtypeForVocab, readDocumentStarts, readShard, writeShard } from "../io/shards.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { Rng, type RngState } from "../util/rng.js";
import { mixOrder, type MixPlanEntry } from "./mix.js";
import { readLines } from "./sources.js";

export type Split = "train" | "validation";

export interface ShardInfo {
  file: string;
  split: Split;
  sequences: number;
  tokens: number;
  sha256: string;
  /** Documents that begin in this shard (listed in its .docs companion). */
  documents: number;
}

interface PackState {
  configHash: string;
  documents: number;
  splitRng: RngState;
  carry: number[];
  /** Offsets in `carry` where a document begins. */
  carryStarts: number[];
  shards: ShardInfo[];
  checkpoint: number;
  tokensPerSource: number[];
  /** Set once the run has finished: the final partial sequence's tokens, dropped. */
  tailTokensDropped?: number;
  /** Packing time summed over every run that worked on this output (an interrupted one and its resumptions). */
  seconds: number;
}

export interface PackResult {
  shards: ShardInfo[];
  documents: number;
  tokensPerSource: Record<string, number>;
  sequences: Record<Split, number>;
  tailTokensDropped: number;
  resumedFromDocument: number;
  /** Packing time over all runs, resumed ones included. */
  seconds: number;
}

export interface PackOptions {
  /** Stop after the checkpoint that follows this many shards (an interrupted run, for tests and for chunked work). */
  stopAfterShards?: number;
  onProgress?: (documents: number, totalDocuments: number) => void;
}

const SHARD_PREFIX: Record<Split, string> = { train: "train", validation: "val" };

/** Reads a source's clean documents in order, pass after pass, skipping lines the plan does not take. */
class CleanReader {
  private lines: AsyncGenerator<{ bytes: Uint8Array; line: number }> | undefined;
  private position = 0;
  constructor(private readonly file: string) {}

  async read(document: number): Promise<string> {
    if (!this.lines || document < this.position) {
      await this.lines?.return(undefined);
      this.lines = readLines(this.file);
      this.position = 0;
    }
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done)
        throw new Error(
          `${this.file} ended before document ${document}: the clean files changed under a running job`,
        );
      if (this.position++ === document)
        return (JSON.parse(Buffer.from(value.bytes).toString("utf8")) as { text: string }).text;
    }
  }
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export async function packShards(
  cfg: DataPrepareConfig,
  plan: MixPlanEntry[],
  tokenizer: Tokenizer,
  cleanFiles: string[],
  configHash: string,
  opts: PackOptions = {},
): Promise<PackResult | undefined> {
  const work = join(cfg.output, "work");
  const statePath = join(work, "pack-state.json");
  const eot = tokenizer.specialTokens["<|endoftext|>"] ?? tokenizer.specialTokens["[SEP]"];
  if (eot === undefined)
    throw new Error("the tokenizer has no <|endoftext|> (or [SEP]) token to separate documents");
  const dtype = dtypeForVocab(tokenizer.vocabSize);
  const { sequenceLength, sequencesPerShard, validationFraction } = cfg.pack;

  let timer = performance.now();
  let state: PackState = {
    configHash,
    documents: 0,
    splitRng: new Rng(cfg.seed ^ 0x7a11).state(),
    carry: [],
    carryStarts: [],
    shards: [],
    checkpoint: 0,
    tokensPerSource: plan.map(() => 0),
    seconds: 0,
  };
  const pending: Record<Split, number[]> = { train: [], validation: [] };
  const pendingStarts: Record<Split, number[]> = { train: [], validation: [] };
  if (existsSync(statePath)) {
    const saved = JSON.parse(readFileSync(statePath, "utf8")) as PackState;
    if (saved.configHash === configHash) {
      state = saved;
      if (state.tailTokensDropped === undefined)
        for (const split of ["train", "validation"] as const) {
          const path = pendingPath(work, split, state.checkpoint);
          pending[split] = Array.from(readShard(path).tokens);
          pendingStarts[split] = Array.from(readDocumentStarts(path) ?? []);
        }
    }
  }
  // Files of other checkpoints are left over from a run stopped between writing a checkpoint and recording it.
  removePending(work, state.checkpoint);
  const resumedFrom = state.documents;
  const splitRng = Rng.fromState(state.splitRng);
  const readers = cleanFiles.map((f) => new CleanReader(f));
  const totalDocuments = plan.reduce((s, p) => s + p.plannedDocuments, 0);
  let carry = state.carry;
  let carryStarts = state.carryStarts;
  let shardsWritten = 0;

  const flush = (split: Split) => {
    const tokens = pending[split];
    const file = `${SHARD_PREFIX[split]}-${String(state.shards.filter((s) => s.split === split).length).padStart(5, "0")}.bin`;
    const path = join(cfg.output, file);
    writeShard(path, tokens, { dtype, sequenceLength, documentStarts: pendingStarts[split] });
    state.shards.push({
      file,
      split,
      sequences: tokens.length / sequenceLength,
      tokens: tokens.length,
      sha256: sha256File(path),
      documents: pendingStarts[split].length,
    });
    pending[split] = [];
    pendingStarts[split] = [];
    shardsWritten++;
  };

  const saveState = () => {
    state.carry = carry;
    state.carryStarts = carryStarts;
    state.splitRng = splitRng.state();
    state.seconds += (performance.now() - timer) / 1000;
    timer = performance.now();
    writeFileSync(`${statePath}.tmp`, JSON.stringify(state));
    renameSync(`${statePath}.tmp`, statePath);
  };

  const checkpoint = () => {
    state.checkpoint++;
    for (const split of ["train", "validation"] as const)
      writeShard(pendingPath(work, split, state.checkpoint), pending[split], {
        dtype,
        sequenceLength,
        documentStarts: pendingStarts[split],
      });
    saveState();
    removePending(work, state.checkpoint);
  };

  let step = 0;
  for (const { source, document } of mixOrder(plan, cfg.seed)) {
    if (step++ < state.documents) continue;
    const text = await readers[source].read(document);
    const ids = tokenizer.encodeOrdinary(text);
    ids.push(eot);
    state.tokensPerSource[source] += ids.length;
    carryStarts.push(carry.length);
    carry = carry.length ? carry.concat(ids) : ids;
    const before = shardsWritten;
    let at = 0;
    let nextStart = 0;
    for (; at + sequenceLength <= carry.length; at += sequenceLength) {
      const split: Split = splitRng.next() < validationFraction ? "validation" : "train";
      const buf = pending[split];
      for (; nextStart < carryStarts.length && carryStarts[nextStart] < at + sequenceLength; nextStart++)
        pendingStarts[split].push(buf.length + carryStarts[nextStart] - at);
      for (let i = at; i < at + sequenceLength; i++) buf.push(carry[i]);
      if (buf.length === sequencesPerShard * sequenceLength) flush(split);
    }
    carry = carry.slice(at);
    carryStarts = carryStarts.slice(nextStart).map((s) => s - at);
    state.documents++;
    opts.onProgress?.(state.documents, totalDocuments);
    if (shardsWritten > before) {
      checkpoint();
      if (opts.stopAfterShards !== undefined && state.shards.length >= opts.stopAfterShards) return undefined;
    }
  }
  for (const split of ["train", "validation"] as const) if (pending[split].length > 0) flush(split);
  if (state.tailTokensDropped === undefined) {
    state.tailTokensDropped = carry.length;
    carry = [];
    carryStarts = [];
    saveState();
  }
  // Finished: nothing is pending any more, so no pending file is kept.
  removePending(work, -1);
  const sequences = { train: 0, validation: 0 };
  for (const s of state.shards) sequences[s.split] += s.sequences;
  return {
    shards: state.shards,
    documents: state.documents,
    tokensPerSource: Object.fromEntries(plan.map((p, i) => [p.source, state.tokensPerSource[i]])),
    sequences,
    tailTokensDropped: state.tailTokensDropped,
    resumedFromDocument: resumedFrom,
    seconds: state.seconds,
  };
}

function pendingPath(work: string, split: Split, checkpoint: number): string {
  return join(work, `pending-${SHARD_PREFIX[split]}-${checkpoint}.bin`);
}

/** Removes the pending shards (and their .docs) of every checkpoint but `keep`. */
function removePending(work: string, keep: number): void {
  if (!existsSync(work)) return;
  const kept = new Set(
    (["train", "validation"] as const).flatMap((split) => {
      const path = pendingPath(work, split, keep);
      return [path, documentsPath(path)];
    }),
  );
  for (const name of readdirSync(work))
    if (name.startsWith("pending-") && !kept.has(join(work, name))) rmSync(join(work, name), { force: true });
}
