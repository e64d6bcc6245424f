/**
 * tokenizer_config.json beside an engine tokenizer.json, so `AutoTokenizer.from_pretrained(folder)` (and
 * transformers.js) get the special tokens by role and the chat template of src/tokenizer/chat.ts.
 */
import { SPECIAL_TOKENS } from "../tokenizer/types.js";
import type { HfConfig } from "./config.js";

/**
 * src/tokenizer/chat.ts's ChatML layout as a Jinja template: `<|im_start|>{role}\n{content}<|im_end|>\n` per
 * message, unknown roles refused, and `<|im_start|>assistant\n` when a generation prompt is asked for.
 */
export const CHATML_TEMPLATE =
  "{%- for message in messages %}" +
  "{%- if message['role'] not in ['system', 'user', 'assistant'] %}" +
  "{{- raise_exception('message ' ~ loop.index0 ~ ' has role ' ~ message['role'] ~ '; expected system, user or assistant') }}" +
  "{%- endif %}" +
  "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** Special tokens by content, read from tokenizer.json's added_tokens. */
export function tokenizerSpecials(tokenizerJson: string): Record<string, number> {
  const json = JSON.parse(tokenizerJson) as { added_tokens?: { id: number; content: string }[] };
  return Object.fromEntries((json.added_tokens ?? []).map((t) => [t.content, t.id]));
}

const MASK_TOKENS = [SPECIAL_TOKENS.mask, "[MASK]"];

/** The id masked-LM corruption writes: the tokenizer's mask token (`<mask>` or WordPiece's `[MASK]`), if it has one. */
export function tokenizerMaskId(tokenizerJson: string): number | null {
  const specials = tokenizerSpecials(tokenizerJson);
  return MASK_TOKENS.map((t) => specials[t]).find((id) => id !== undefined) ?? null;
}

/** tokenizer_config.json for an engine tokenizer.json (byte-level BPE or WordPiece). */
export function hfTokenizerConfig(tokenizerJson: string, modelMaxLength: number): HfConfig {
  const specials = tokenizerSpecials(tokenizerJson);
  const has = (token: string) => (token in specials ? token : null);
  const roles = {
    bos_token: has(SPECIAL_TOKENS.endOfText),
    eos_token: has(SPECIAL_TOKENS.endOfText),
    pad_token: has(SPECIAL_TOKENS.pad) ?? has("[PAD]"),
    unk_token: has("[UNK]"),
    cls_token: has("[CLS]"),
    sep_token: has("[SEP]"),
    mask_token: MASK_TOKENS.find((t) => t in specials) ?? null,
  };
  const chat = SPECIAL_TOKENS.imStart in specials && SPECIAL_TOKENS.imEnd in specials;
  return {
    tokenizer_class: "PreTrainedTokenizerFast",
    ...Object.fromEntries(Object.entries(roles).filter(([, token]) => token !== null)),
    model_max_length: modelMaxLength,
    clean_up_tokenization_spaces: false,
    ...(chat ? { chat_template: CHATML_TEMPLATE } : {}),
  };
}
