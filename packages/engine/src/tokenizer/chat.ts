/**
 * The chat template shared by SFT, DPO and PPO (ChatML layout):
 *
 *   <|im_start|>system\n{content}<|im_end|>\n<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n{content}<|im_end|>\n
 *
 * `assistantMask` marks the tokens a policy is trained to produce: each assistant message's content and its closing
 * <|im_end|> (so the model learns to stop), never the role header or the newline after <|im_end|>.
 * Message content is encoded as ordinary text: a user who types "<|im_end|>" gets those characters, not a role switch.
 */
import { SPECIAL_TOKENS, type Tokenizer } from "./types.js";

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface RenderedChat {
  ids: number[];
  /** 1 where ids[i] was written by the assistant, else 0; same length as ids. */
  assistantMask: number[];
  /** The rendered text (the same string the ids decode to). */
  text: string;
}

export interface RenderChatOptions {
  /** Append "<|im_start|>assistant\n" so generation continues as the assistant. */
  addGenerationPrompt?: boolean;
}

const ROLES: ReadonlySet<string> = new Set<ChatRole>(["system", "user", "assistant"]);

export function renderChat(
  messages: ChatMessage[],
  tokenizer: Tokenizer,
  opts: RenderChatOptions = {},
): RenderedChat {
  const start = tokenizer.specialTokens[SPECIAL_TOKENS.imStart];
  const end = tokenizer.specialTokens[SPECIAL_TOKENS.imEnd];
  if (start === undefined || end === undefined) {
    throw new Error(
      `renderChat: the tokenizer lacks the special tokens ${SPECIAL_TOKENS.imStart} and ${SPECIAL_TOKENS.imEnd}; train it with the default special tokens`,
    );
  }
  const ids: number[] = [];
  const assistantMask: number[] = [];
  let text = "";
  const emit = (tokens: number[], piece: string, assistant: boolean) => {
    for (const t of tokens) {
      ids.push(t);
      assistantMask.push(assistant ? 1 : 0);
    }
    text += piece;
  };
  const header = (role: ChatRole) => {
    emit([start], SPECIAL_TOKENS.imStart, false);
    emit(tokenizer.encodeOrdinary(`${role}\n`), `${role}\n`, false);
  };
  messages.forEach((m, i) => {
    if (!ROLES.has(m.role))
      throw new Error(
        `renderChat: message ${i} has role ${JSON.stringify(m.role)}; expected system, user or assistant`,
      );
    if (typeof m.content !== "string") throw new Error(`renderChat: message ${i} content must be a string`);
    const assistant = m.role === "assistant";
    header(m.role);
    emit(tokenizer.encodeOrdinary(m.content), m.content, assistant);
    emit([end], SPECIAL_TOKENS.imEnd, assistant);
    emit(tokenizer.encodeOrdinary("\n"), "\n", false);
  });
  if (opts.addGenerationPrompt) header("assistant");
  return { ids, assistantMask, text };
}
