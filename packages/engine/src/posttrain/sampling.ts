/**
 * Replies sampled from a checkpoint for chat prompts (evaluation and demos): the KV-cache generator of
 * generate/, the chat template's generation prompt, and the end-of-turn token as the stop token.
 */
import type { ModelConfig } from "../config/model.js";
import { Generator } from "../generate/generator.js";
import type { TensorMap } from "../io/safetensors.js";
import { parameterSpecs } from "../models/parameters.js";
import { renderChat } from "../tokenizer/chat.js";
import { SPECIAL_TOKENS, type Tokenizer } from "../tokenizer/types.js";
import { type ChatMessage, promptMessages } from "./data.js";
import type { TokenizedConversation } from "./packing.js";

export interface SampledReply {
  text: string;
  /** prompt and reply tokens, with the reply marked: ready for log-prob scoring */
  sequence: TokenizedConversation;
  ended: boolean;
}

export async function sampleReplies(
  model: ModelConfig,
  weights: TensorMap,
  tokenizer: Tokenizer,
  prompts: (string | ChatMessage[])[],
  opts: { maxNewTokens: number; temperature: number; seed: number },
): Promise<SampledReply[]> {
  const end = tokenizer.specialTokens[SPECIAL_TOKENS.imEnd];
  const arrays = Object.fromEntries(
    parameterSpecs(model).map((s) => [s.name, weights[s.name].data as Float32Array]),
  );
  const generator = new Generator(model, arrays);
  try {
    const out: SampledReply[] = [];
    for (const [i, prompt] of prompts.entries()) {
      const ids = renderChat(promptMessages(prompt), tokenizer, { addGenerationPrompt: true }).ids;
      const g = await generator.generate(ids, {
        maxNewTokens: opts.maxNewTokens,
        temperature: opts.temperature,
        seed: opts.seed + i,
        stopTokens: [end],
      });
      const ended = g.stopReason === "stop_token";
      out.push({
        text: tokenizer.decode(ended ? g.tokens.slice(0, -1) : g.tokens),
        sequence: { ids: [...ids, ...g.tokens], lossMask: [...ids.map(() => 0), ...g.tokens.map(() => 1)] },
        ended,
      });
    }
    return out;
  } finally {
    await generator.release();
  }
}
