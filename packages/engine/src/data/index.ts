export type { Document, BadLine, Stage, StageResult } from "./types.js";
export { readSource, listSourceFiles, readLines } from "./sources.js";
export { normalizeStage } from "./normalize.js";
export {
  qualityStage,
  isImplausibleToken,
  gibberishFraction,
  topNgramFraction,
  characterCounts,
} from "./quality.js";
export { piiStage, scanPii, luhnValid, type PiiKind } from "./pii.js";
export { harmfulStage, type HarmfulClassifier } from "./harmful.js";
export { languageStage, detectLanguage } from "./langid.js";
export {
  exactDedupStage,
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
