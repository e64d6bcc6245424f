/** Content hashes: equal content always hashes the same, so imports and exports are reproducible. */
import { createHash } from "node:crypto";
import type { ChatMessage } from "./content";

/** JSON with object keys sorted, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Identity of a prompt's content: the same conversation imported twice is one prompt. */
export function promptContentHash(messages: readonly ChatMessage[]): string {
  return sha256(canonicalJson({ messages: messages.map(({ role, content }) => ({ role, content })) }));
}

/** Identity of an answer to a prompt: the same text from the same model for the same prompt is one response. */
export function responseContentHash(promptHash: string, text: string, modelName: string | null): string {
  return sha256(canonicalJson({ prompt: promptHash, text, model: modelName }));
}
