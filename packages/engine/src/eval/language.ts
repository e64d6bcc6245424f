/**
 * Language-model evaluation numbers: perplexity, the mean of per-batch losses, and the unigram baseline, the
 * cross-entropy a model gets by knowing only token frequencies. A pretrained model must be clearly below it;
 * a loss near it means the model learned frequencies and nothing about context. All losses are in nats per token.
 */

export function perplexity(meanLoss: number): number {
  return Math.exp(meanLoss);
}

/** The token-weighted mean of batch losses, so a smaller last batch counts for what it holds. */
export function meanLossOverBatches(batches: Array<{ loss: number; tokens: number }>): number {
  let sum = 0;
  let tokens = 0;
  for (const b of batches) {
    if (!Number.isFinite(b.loss)) throw new RangeError(`meanLossOverBatches: a batch loss is ${b.loss}`);
    sum += b.loss * b.tokens;
    tokens += b.tokens;
  }
  if (tokens === 0) throw new RangeError("meanLossOverBatches: no tokens");
  return sum / tokens;
}

/**
 * Cross-entropy of `evalTokens` under an add-k unigram model fit on `trainTokens`:
 * p(t) = (count(t) + k) / (trainTokens.length + k * vocabSize). k > 0 keeps unseen tokens finite.
 */
export function unigramBaselineLoss(
  trainTokens: ArrayLike<number>,
  evalTokens: ArrayLike<number>,
  vocabSize: number,
  smoothing = 1,
): number {
  if (!Number.isInteger(vocabSize) || vocabSize < 1)
    throw new RangeError(`unigramBaselineLoss: vocabSize must be a positive integer, got ${vocabSize}`);
  if (!(smoothing > 0))
    throw new RangeError(
      `unigramBaselineLoss: smoothing must be > 0 (unseen tokens would cost infinity), got ${smoothing}`,
    );
  if (evalTokens.length === 0) throw new RangeError("unigramBaselineLoss: no evaluation tokens");
  const counts = new Float64Array(vocabSize);
  for (let i = 0; i < trainTokens.length; i++) counts[checkId(trainTokens[i], i, vocabSize, "training")]++;
  const logTotal = Math.log(trainTokens.length + smoothing * vocabSize);
  let sum = 0;
  for (let i = 0; i < evalTokens.length; i++)
    sum += logTotal - Math.log(counts[checkId(evalTokens[i], i, vocabSize, "evaluation")] + smoothing);
  return sum / evalTokens.length;
}

function checkId(id: number, position: number, vocabSize: number, which: string): number {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new RangeError(
      `unigramBaselineLoss: ${which} token id ${id} at position ${position} is not in the vocabulary [0, ${vocabSize})`,
    );
  }
  return id;
}

/** The numbers a language-model evaluation reports, under the metric names the training loop logs. */
export function summarizeLanguageModelEval(opts: {
  meanLoss: number;
  baselineLoss?: number;
}): Record<string, number> {
  const summary: Record<string, number> = {
    "eval/loss": opts.meanLoss,
    "eval/perplexity": perplexity(opts.meanLoss),
  };
  if (opts.baselineLoss !== undefined) {
    summary["eval/unigram_loss"] = opts.baselineLoss;
    // Share of the baseline's loss the model removed: 0 = no better than frequencies.
    summary["eval/gain_over_unigram"] = 1 - opts.meanLoss / opts.baselineLoss;
  }
  return summary;
}
