/**
 * Batches of tokenized conversations for SFT, one per row (padded) or packed several per row. Packing (TRL
 * SFTConfig packing) wastes no compute on padding; to keep it exact, each packed conversation gets positions that
 * restart at 0 and attends only to its own earlier tokens (a block-diagonal causal mask), and no target crosses a
 * boundary. So a packed batch gives the same loss as the same conversations unpacked. The transformer takes the
 * positions ([rows, T]) and the mask (`sequenceAttention`'s `mask`) as inputs.
 */

export interface TokenizedConversation {
  ids: number[];
  /** 1 where ids[i] should be learned (the chat template's assistant mask), same length as ids */
  lossMask: number[];
}

export interface SequenceBatch {
  rows: number;
  seqLen: number;
  /** [rows, seqLen] row-major */
  inputs: Int32Array;
  targets: Int32Array;
  /** 1 where the target carries loss */
  weights: Float32Array;
  /** position of each token inside its own conversation */
  positions: BigInt64Array;
  /** which conversation of the row a position belongs to; -1 on padding */
  segments: Int32Array;
}

/** (input, target) steps of a conversation: ids[i] predicts ids[i+1]; truncated to `seqLen` steps. */
function steps(c: TokenizedConversation, seqLen: number): number {
  if (c.ids.length !== c.lossMask.length)
    throw new Error(`conversation has ${c.ids.length} ids but ${c.lossMask.length} mask entries`);
  if (c.ids.length < 2) throw new Error(`conversation of ${c.ids.length} token(s) has nothing to predict`);
  return Math.min(c.ids.length - 1, seqLen);
}

/** Rows of conversations, first fit in the given order when packing, else one per row. */
function layout(
  conversations: TokenizedConversation[],
  seqLen: number,
  pack: boolean,
): TokenizedConversation[][] {
  const rows: { used: number; items: TokenizedConversation[] }[] = [];
  for (const c of conversations) {
    const n = steps(c, seqLen);
    const row = pack ? rows.find((r) => r.used + n <= seqLen) : undefined;
    if (row) {
      row.items.push(c);
      row.used += n;
    } else rows.push({ used: n, items: [c] });
  }
  return rows.map((r) => r.items);
}

export function conversationBatch(
  conversations: TokenizedConversation[],
  seqLen: number,
  pack: boolean,
): SequenceBatch {
  const rows = layout(conversations, seqLen, pack);
  const size = rows.length * seqLen;
  const batch: SequenceBatch = {
    rows: rows.length,
    seqLen,
    inputs: new Int32Array(size),
    targets: new Int32Array(size),
    weights: new Float32Array(size),
    positions: new BigInt64Array(size),
    segments: new Int32Array(size).fill(-1),
  };
  rows.forEach((items, r) => {
    let at = r * seqLen;
    items.forEach((c, segment) => {
      const n = steps(c, seqLen);
      for (let i = 0; i < n; i++, at++) {
        batch.inputs[at] = c.ids[i];
        batch.targets[at] = c.ids[i + 1];
        batch.weights[at] = c.lossMask[i + 1];
        batch.positions[at] = BigInt(i);
        batch.segments[at] = segment;
      }
    });
  });
  return batch;
}

/** Additive attention mask [rows, 1, T, T]: 0 where key j is in query i's conversation and j <= i, else -1e9. */
export function blockCausalMask(batch: Pick<SequenceBatch, "rows" | "seqLen" | "segments">): Float32Array {
  const T = batch.seqLen;
  const mask = new Float32Array(batch.rows * T * T).fill(-1e9);
  for (let r = 0; r < batch.rows; r++) {
    for (let i = 0; i < T; i++) {
      const si = batch.segments[r * T + i];
      // a padding query attends to itself only, so its (unused) softmax row stays finite
      if (si < 0) mask[(r * T + i) * T + i] = 0;
      for (let j = 0; j <= i && si >= 0; j++)
        if (batch.segments[r * T + j] === si) mask[(r * T + i) * T + j] = 0;
    }
  }
  return mask;
}
