// What the platform needs to know about a model folder before it starts a run on it, read from the folder's
// JSON files alone (this package does not load the engine): sizes, and whether the tokenizer can render chats.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The special tokens of the engine's ChatML template (packages/engine/src/tokenizer/chat.ts). */
export const CHAT_TOKENS = ["<|im_start|>", "<|im_end|>"] as const;

export interface CheckpointInfo {
  dir: string;
  /** Rows of the embedding matrix. */
  vocabSize: number;
  contextLength: number;
  /** Ids the tokenizer can produce (largest id + 1); 0 without a tokenizer.json. */
  tokenizerSize: number;
  /** Chat special tokens the tokenizer lacks (empty: it can render the chat template). */
  missingChatTokens: string[];
  /** Summary stored on the ModelVersion (architecture column). */
  architecture: Record<string, unknown>;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The engine's model section: engine_config.json, or a legacy config.json holding `model`; else HF keys. */
function modelSection(dir: string): Record<string, unknown> {
  const engineConfig = join(dir, "engine_config.json");
  if (existsSync(engineConfig)) return readJson(engineConfig).model as Record<string, unknown>;
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath)) throw new Error(`model folder ${dir} has no config.json`);
  const config = readJson(configPath);
  if (config.model && typeof config.model === "object") return config.model as Record<string, unknown>;
  return {
    preset: config.model_type,
    vocabSize: config.vocab_size,
    contextLength: config.n_positions ?? config.max_position_embeddings,
    width: config.n_embd ?? config.hidden_size,
    layers: config.n_layer ?? config.num_hidden_layers,
    heads: config.n_head ?? config.num_attention_heads,
  };
}

function tokenizerFacts(dir: string): { size: number; tokens: Set<string> } {
  const path = join(dir, "tokenizer.json");
  if (!existsSync(path)) return { size: 0, tokens: new Set() };
  const json = readJson(path) as {
    model?: { vocab?: Record<string, number> | [string, number][] };
    added_tokens?: { id: number; content: string }[];
  };
  const vocab = json.model?.vocab ?? {};
  const ids = Array.isArray(vocab) ? vocab.map((_, i) => i) : Object.values(vocab);
  const added = json.added_tokens ?? [];
  const size = Math.max(-1, ...ids, ...added.map((t) => t.id)) + 1;
  const tokens = new Set([
    ...added.map((t) => t.content),
    ...(Array.isArray(vocab) ? [] : Object.keys(vocab)),
  ]);
  return { size, tokens };
}

/** Reads a model folder's sizes and tokenizer; throws naming the file when one is missing or unreadable. */
export function readCheckpointInfo(dir: string): CheckpointInfo {
  if (!existsSync(dir)) throw new Error(`model folder ${dir} does not exist`);
  const model = modelSection(dir);
  const vocabSize = Number(model.vocabSize);
  const contextLength = Number(model.contextLength);
  if (!Number.isInteger(vocabSize) || !Number.isInteger(contextLength))
    throw new Error(`model folder ${dir}: config does not give the vocabulary size and context length`);
  const tokenizer = tokenizerFacts(dir);
  const { preset, width, layers, heads } = model;
  return {
    dir,
    vocabSize,
    contextLength,
    tokenizerSize: tokenizer.size,
    missingChatTokens: CHAT_TOKENS.filter((token) => !tokenizer.tokens.has(token)),
    architecture: { preset, vocabSize, contextLength, width, layers, heads },
  };
}
