/**
 * The BERT encoder (Devlin et al. 2019, Hugging Face BertForMaskedLM): token + position + segment-0 embeddings
 * normalised once, then post-norm blocks (norm(x + attention(x)), norm(x + mlp(x))), and the MLM head
 * (dense -> activation -> norm -> tied decoder + bias). The blocks' attention and MLP are the decoder's own.
 */
import type { ModelConfig } from "../config/model.js";
import type { Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";
import { activation, attentionBlock, linear, mlpBlock, norm, param, withDropout } from "./layers.js";
import { type ModelNames, modelNames } from "./parameters.js";
import type { ForwardInputs, Params } from "./transformer.js";

function bertNames(cfg: ModelConfig): ModelNames & { bert: NonNullable<ModelNames["bert"]> } {
  const names = modelNames(cfg);
  if (!names.bert) throw new Error(`model: layout ${cfg.layout} is not bert`);
  // BERT's parts only: its tensors have no place for rotary tables or a gate projection
  if (cfg.positions !== "learned" || cfg.mlp === "swiglu")
    throw new Error(
      `model: the bert layout has learned positions and a gelu MLP, got positions ${cfg.positions} and mlp ${cfg.mlp}`,
    );
  return { ...names, bert: names.bert };
}

/** Final hidden states [B, S, width] of the last block. */
export function bertHidden(cfg: ModelConfig, params: Params, inputs: ForwardInputs): Value {
  const g = inputs.ids.graph;
  const names = bertNames(cfg);
  let x = g.within("embeddings", () => {
    const tokens = op.gather(param(params, names.tokens), inputs.ids);
    const positions = op.gather(param(params, names.positions), inputs.positions);
    // segment 0's row, broadcast over every token: the engine has no sentence pairs
    const segment = op.slice(param(params, names.bert.segments), 0, 0, 1);
    const sum = op.add(op.add(tokens, positions), segment);
    return withDropout(norm(cfg, params, names.bert.embeddingNorm, sum), "embeddings", inputs.dropout);
  });
  for (let i = 0; i < cfg.layers; i++) {
    const b = names.block(i);
    x = g.within(`block ${i} attention`, () => {
      const branch = attentionBlock(cfg, params, b, i, x, null, inputs);
      return norm(
        cfg,
        params,
        b.norm1,
        op.add(x, withDropout(branch, `block ${i} attention output`, inputs.dropout)),
      );
    });
    x = g.within(`block ${i} mlp`, () => {
      const branch = mlpBlock(cfg, params, b, x);
      return norm(
        cfg,
        params,
        b.norm2,
        op.add(x, withDropout(branch, `block ${i} mlp output`, inputs.dropout)),
      );
    });
  }
  return x;
}

/** MLM logits [B, S, vocab]: the head transform, then the decoder tied to the word embeddings, plus its bias. */
export function bertHead(cfg: ModelConfig, params: Params, hidden: Value): Value {
  const names = bertNames(cfg);
  return hidden.graph.within("lm head", () => {
    const t = norm(
      cfg,
      params,
      names.bert.transformNorm,
      activation(cfg, linear(cfg, params, names.bert.transform, hidden)),
    );
    const decoder = param(params, cfg.tiedHead ? names.tokens : names.head);
    return op.add(op.matmul(t, op.transposeLast(decoder)), param(params, names.bert.headBias));
  });
}
