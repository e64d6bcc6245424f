/**
 * Bradley-Terry reward-model loss over the comparisons implied by rankings (Ouyang et al. 2022 eq. 1; TRL
 * RewardTrainer):
 *
 *   loss = sum_p w_p * -log sigmoid(r(c_p) - r(l_p) - m_p)  +  centring * sum_p w_p * (r(c_p) + r(l_p))^2
 *
 * over pairs p = (chosen c_p, rejected l_p) with weights w_p summing to 1 (posttrain/pairs.ts), optional margins m_p
 * (Touvron et al. 2023) and the reward-centring term of Eisenstein et al. 2023 (TRL center_rewards_coefficient).
 * A response's reward r is the scalar head's output on its last non-padding token (`lastTokenScores`).
 */
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";

/** log sigmoid(x) = log softmax([0, x])[1]: stable for large |x| with ops that all have gradient rules. */
export function logSigmoid(x: Value): Value {
  const column = op.unsqueeze(x, -1);
  const pair = op.concat([op.zeros(x.graph, column.shape, x.dtype), column], -1);
  return op.reshape(op.slice(op.logSoftmax(pair), -1, 1, 2), x.shape);
}

/** The per-token head output [B, T] read at each row's last non-padding position `lastIndex` (int64 [B]) -> [B]. */
export function lastTokenScores(perToken: Value, lastIndex: Value): Value {
  const [rows] = perToken.shape;
  return op.reshape(op.gatherElements(perToken, op.reshape(lastIndex, [rows, 1]), 1), [rows]);
}

export interface BradleyTerryInputs {
  /** [N] rewards of every response in the batch */
  scores: Value;
  /** [P] int64 indices into scores */
  chosen: Value;
  rejected: Value;
  /** [P] pair weights (sum 1) and margins */
  weight: Value;
  margin: Value;
}

export interface BradleyTerryOutputs {
  loss: Value;
  /** weighted share of pairs ordered correctly: eval/accuracy */
  accuracy: Value;
  /** weighted mean of r(chosen) - r(rejected): eval/margin */
  margin: Value;
}

export function bradleyTerryLoss(inputs: BradleyTerryInputs, centring: number): BradleyTerryOutputs {
  const { scores, chosen, rejected, weight, margin } = inputs;
  return scores.graph.within("reward loss", () => {
    const rc = op.gather(scores, chosen);
    const rr = op.gather(scores, rejected);
    const diff = op.sub(rc, rr);
    const weightedSum = (x: Value) => op.reduceSum(op.mul(weight, x), null);
    let loss = op.neg(weightedSum(logSigmoid(op.sub(diff, margin))));
    if (centring > 0) {
      const total = op.add(rc, rr);
      loss = op.add(loss, op.mul(weightedSum(op.mul(total, total)), centring));
    }
    return {
      loss,
      accuracy: weightedSum(op.cast(op.greater(rc, rr), scores.dtype)),
      margin: weightedSum(diff),
    };
  });
}
