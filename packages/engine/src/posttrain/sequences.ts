/**
 * (prompt, response) pairs rendered with the shared chat template and cut after the response's end-of-turn token,
 * the layout the reward model scores and DPO compares: ids plus the assistant mask, so the response tokens carry
 * the log-probabilities and the last token carries the reward.
 */
import { renderChat } from "../tokenizer/chat.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { type ChatMessage, promptMessages } from "./data.js";
import type { TokenizedConversation } from "./packing.js";

export function promptResponse(
  prompt: string | ChatMessage[],
  response: string,
  tokenizer: Tokenizer,
): TokenizedConversation {
  const rendered = renderChat(
    [...promptMessages(prompt), { role: "assistant", content: response }],
    tokenizer,
  );
  const end = rendered.assistantMask.lastIndexOf(1) + 1;
  return { ids: rendered.ids.slice(0, end), lossMask: rendered.assistantMask.slice(0, end) };
}

/** Keeps the examples whose every sequence fits `maxTokens`, reporting how many were dropped (TRL filters too). */
export function dropLongExamples<E>(
  examples: E[],
  sequences: (e: E) => TokenizedConversation[],
  maxTokens: number,
  what: string,
  warn: (m: string) => void,
): E[] {
  const kept = examples.filter((e) => sequences(e).every((s) => s.ids.length <= maxTokens));
  if (kept.length < examples.length)
    warn(
      `${what}: dropped ${examples.length - kept.length} of ${examples.length} examples longer than ${maxTokens} tokens`,
    );
  return kept;
}

/** Right-padded ids [rows, T] and each row's last real position. */
export function padRows(
  seqs: TokenizedConversation[],
  seqLen: number,
  padId: number,
): { ids: Int32Array; last: BigInt64Array } {
  const ids = new Int32Array(seqs.length * seqLen).fill(padId);
  const last = new BigInt64Array(seqs.length);
  seqs.forEach((s, r) => {
    if (s.ids.length > seqLen) throw new Error(`sequence of ${s.ids.length} tokens does not fit ${seqLen}`);
    ids.set(s.ids, r * seqLen);
    last[r] = BigInt(s.ids.length - 1);
  });
  return { ids, last };
}
