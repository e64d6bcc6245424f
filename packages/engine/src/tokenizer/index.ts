export { type Tokenizer, SPECIAL_TOKENS, DEFAULT_SPECIAL_TOKENS, TokenizerFormatError } from "./types.js";
export { BpeTokenizer, type BpeSpec } from "./bpe.js";
export { trainBpe, byteLevelTokenizer, type TrainOptions } from "./train-bpe.js";
export { WordPieceTokenizer, trainWordPiece, WORDPIECE_SPECIAL_TOKENS } from "./wordpiece.js";
export { loadTokenizer } from "./hf-json.js";
export { loadPretrainedVocabulary, type PretrainedVocabulary } from "./pretrained.js";
export { PRETOKENIZE_PATTERNS, type PatternName } from "./pretokenize.js";
export {
  renderChat,
  type ChatMessage,
  type ChatRole,
  type RenderedChat,
  type RenderChatOptions,
} from "./chat.js";
export { openTokenizer } from "./open.js";
export { UnigramTokenizer, type UnigramSpec, type SampleOptions } from "./unigram.js";
export { trainUnigram } from "./train-unigram.js";
