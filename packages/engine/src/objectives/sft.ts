/**
 * Supervised fine-tuning loss: masked cross-entropy over the assistant's tokens (Ouyang et al. 2022; TRL SFTTrainer
 * with assistant_only_loss):
 *
 *   loss = - sum_t m_t log softmax(z_t)[y_t] / sum_t m_t
 *
 * where m_t is 1 on tokens the model should learn to produce (assistant replies and their end-of-turn token, from
 * the chat template's assistant mask) and 0 on system and user tokens and padding. With packing, a conversation's
 * first token has no target inside its own conversation, so nothing is predicted across a boundary. The masked
 * cross-entropy itself is the pretraining objectives' (crossEntropy.ts, PyTorch's ignore_index semantics); the
 * per-token log-probability helpers here are shared by the DPO and PPO objectives.
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { tokenCrossEntropy } from "./crossEntropy.js";

export interface SftInputs {
  /** [B, T, V] next-token logits, aligned with `targets` (position t predicts targets[t]) */
  logits: Value;
  /** [B, T] int32 token ids (any valid id where masked) */
  targets: Value;
  /** [B, T] 1 where the token carries loss, 0 elsewhere */
  mask: Value;
}

export function sftLoss({ logits, targets, mask }: SftInputs): Value {
  return logits.graph.within("sft", () => tokenCrossEntropy(logits, targets, mask));
}

/** log p(y_t) for every position: logits [..., V], targets int [...] -> [...]. */
export function tokenLogProbs(logits: Value, targets: Value): Value {
  return logits.graph.within("token log-probs", () => {
    const picked = op.gatherElements(op.logSoftmax(logits), op.unsqueeze(targets, -1), -1);
    return op.reshape(picked, targets.shape);
  });
}

/** sum(x * mask) / sum(mask). */
export function maskedMean(x: Value, mask: Value): Value {
  return op.div(op.reduceSum(op.mul(x, mask), null), op.reduceSum(mask, null));
}
