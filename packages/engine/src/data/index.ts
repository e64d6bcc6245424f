export type { Document, BadLine, Stage, StageResult } from "./types.js";
export { readSource, listSourceFiles, readLines, looksBinary } from "./sources.js";
export { normalizeStage } from "./normalize.js";
export {
  qualityStage,
  isImplausibleToken,
  gibberishFraction,
  topNgramFraction,
  characterCounts,
} from "./quality.js";
export { piiStage, scanPii, luhnValid, ibanValid, type PiiKind } from "./pii.js";
export { gopherQualityStage, gopherRepetitionStage, c4Stage, finewebStage, ruleStages } from "./rules.js";
export { urlStage, domainOf } from "./url.js";
export {
  trainTextClassifier,
  readLabelledFile,
  loadTextClassifier,
  classify,
  classifierHook,
  type TextClassifierModel,
  type LabelledText,
} from "./classifier.js";
export { harmfulStage, type HarmfulClassifier } from "./harmful.js";
export { languageStage, detectLanguage, detectWithScore } from "./langid.js";
export {
  exactDedupStage,
  paragraphDedupStage,
  nearDedupStage,
  NearDuplicateIndex,
  HashSet64,
  estimateJaccard,
  shingleHashes,
} from "./dedup.js";
export { planMix, mixOrder, type MixPlanEntry } from "./mix.js";
export { packShards, type ShardInfo } from "./pack.js";
export { renderCardMarkdown, type DataCard } from "./card.js";
export { prepareData, CARD_JSON, CARD_MARKDOWN, TOKENIZER_FILE, type PrepareOptions } from "./pipeline.js";
