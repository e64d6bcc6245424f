import { loadTokenizer } from "./hf-json.js";
import { loadPretrainedVocabulary } from "./pretrained.js";
import { byteLevelTokenizer } from "./train-bpe.js";
import type { Tokenizer } from "./types.js";

/** "byte-level" (256 bytes + default specials), "gpt2", "cl100k_base", or a path to (or text of) a tokenizer.json. */
export async function openTokenizer(spec: string): Promise<Tokenizer> {
  if (spec === "byte-level") return byteLevelTokenizer();
  if (spec === "gpt2" || spec === "cl100k_base") return loadPretrainedVocabulary(spec);
  return loadTokenizer(spec);
}
