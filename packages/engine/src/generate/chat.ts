/**
 * Chat with a model: the conversation is rendered with the checkpoint's chat template (tokenizer/chat.ts), the
 * assistant's turn is generated until it closes with <|im_end|> (or <|endoftext|>), and its text joins the
 * conversation for the next turn. When the conversation outgrows the context, the oldest turns after the system
 * message are dropped first.
 */
import { type ChatMessage, renderChat } from "../tokenizer/chat.js";
import { SPECIAL_TOKENS, type Tokenizer } from "../tokenizer/types.js";
import type { GenerateOptions, Generation, Generator } from "./generator.js";

export interface ChatReply {
  /** the assistant's text, without the token that ended the turn */
  text: string;
  generation: Generation;
  /** earlier messages left out so that the conversation fits the context */
  droppedMessages: number;
}

/** The ids that end an assistant turn: <|im_end|>, and <|endoftext|> where the tokenizer has it. */
export function chatStopTokens(tokenizer: Tokenizer): number[] {
  const end = tokenizer.specialTokens[SPECIAL_TOKENS.imEnd];
  if (end === undefined)
    throw new Error(
      `chat: the tokenizer has no ${SPECIAL_TOKENS.imEnd}; chat needs a checkpoint trained with the chat template's special tokens`,
    );
  const eos = tokenizer.specialTokens[SPECIAL_TOKENS.endOfText];
  return eos === undefined ? [end] : [end, eos];
}

/** Generates the assistant's next turn after `messages` (which end with the user's). */
export async function chatReply(
  generator: Generator,
  tokenizer: Tokenizer,
  messages: ChatMessage[],
  opts: Omit<GenerateOptions, "stopTokens"> & { stopTokens?: number[] },
): Promise<ChatReply> {
  const stop = [...chatStopTokens(tokenizer), ...(opts.stopTokens ?? [])];
  const { prompt, droppedMessages } = fitToContext(messages, tokenizer, generator.model.contextLength);
  const generation = await generator.generate(prompt, { ...opts, stopTokens: stop });
  const content = generation.stopReason === "stop_token" ? generation.tokens.slice(0, -1) : generation.tokens;
  return { text: tokenizer.decode(content, { skipSpecialTokens: true }), generation, droppedMessages };
}

/** The rendered prompt, leaving out the oldest non-system messages until at least one new token fits. */
function fitToContext(
  messages: ChatMessage[],
  tokenizer: Tokenizer,
  contextLength: number,
): { prompt: number[]; droppedMessages: number } {
  const system = messages[0]?.role === "system" ? [messages[0]] : [];
  const rest = messages.slice(system.length);
  for (let dropped = 0; dropped < rest.length; dropped++) {
    const { ids } = renderChat([...system, ...rest.slice(dropped)], tokenizer, { addGenerationPrompt: true });
    if (ids.length < contextLength) return { prompt: ids, droppedMessages: dropped };
  }
  throw new RangeError(
    `chat: the last message alone does not fit the context of ${contextLength} tokens; write a shorter one`,
  );
}

/**
 * Turns a stream of token ids into text pieces, holding back a character whose bytes are not all there yet;
 * `rest` gives what is still held back once the stream ends (an incomplete character decodes as U+FFFD).
 */
export function textStream(decode: (ids: number[]) => string): {
  push: (token: number) => string;
  rest: () => string;
} {
  const ids: number[] = [];
  let shown = "";
  const next = () => {
    const text = decode(ids);
    const piece = text.slice(shown.length);
    shown = text;
    return piece;
  };
  return {
    push: (token) => {
      ids.push(token);
      return decode(ids).endsWith("\uFFFD") ? "" : next();
    },
    rest: next,
  };
}
