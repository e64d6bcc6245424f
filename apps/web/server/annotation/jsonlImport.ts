/**
 * Parses an import file of prompts (and optional answers), one JSON object per line:
 *   {"prompt": "text"}  or  {"messages": [{"role": "user", "content": "..."}]}
 *   optional: "responses": [{"text": "...", "model": "gpt-x"}], "language": "en", "source": "imported"|"synthetic"
 * Good lines are returned, each bad line is reported with its 1-based line number and the field at fault.
 * Content hashes make a re-import idempotent: the database keeps one row per hash.
 */
import { z } from "zod";
import {
  type ChatMessage,
  languageSchema,
  MAX_RESPONSES_PER_PROMPT,
  MAX_TEXT_CHARS,
  modelNameSchema,
  promptMessagesSchema,
} from "./content";
import { promptContentHash, responseContentHash } from "./contentHash";
import { describeBadCharacter, findBadCharacter, storableText } from "./textSafety";
import { describeZodError } from "./zodIssues";

export const MAX_IMPORT_LINE_CHARS = 400_000;

const importLineSchema = z
  .strictObject({
    prompt: z.string().trim().min(1).max(MAX_TEXT_CHARS).optional(),
    messages: promptMessagesSchema.optional(),
    responses: z
      .array(
        z.strictObject({
          text: z.string().trim().min(1).max(MAX_TEXT_CHARS),
          model: modelNameSchema.optional(),
        }),
      )
      .max(MAX_RESPONSES_PER_PROMPT)
      .default([]),
    language: languageSchema.default("en"),
    source: z.enum(["imported", "synthetic"]).default("imported"),
  })
  .superRefine((line, ctx) => {
    if ((line.prompt === undefined) === (line.messages === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["prompt"],
        message: 'give exactly one of "prompt" or "messages"',
      });
    }
  });

export interface ImportedResponse {
  text: string;
  modelName: string | null;
  contentHash: string;
}

export interface ImportRecord {
  /** The first line this prompt appeared on. */
  line: number;
  messages: ChatMessage[];
  language: string;
  source: "imported" | "synthetic";
  contentHash: string;
  responses: ImportedResponse[];
}

export type ImportLineError = {
  line: number;
  message: string;
};

export interface ImportParseResult {
  records: ImportRecord[];
  errors: ImportLineError[];
  /** Good lines whose prompt appeared earlier in the file; their new answers were merged into that prompt. */
  repeatedLines: number[];
}

export function parseImportJsonl(fileText: string): ImportParseResult {
  const records = new Map<string, ImportRecord>();
  const errors: ImportLineError[] = [];
  const repeatedLines: number[] = [];
  const lines = fileText.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((text, index) => {
    const line = index + 1;
    if (text.trim() === "") return;
    if (text.length > MAX_IMPORT_LINE_CHARS) {
      errors.push({
        line,
        message: `line is ${text.length} characters, the limit is ${MAX_IMPORT_LINE_CHARS}`,
      });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      errors.push({ line, message: `not valid JSON (${storableText((error as Error).message)})` });
      return;
    }
    const bad = findBadCharacter(raw);
    if (bad) {
      errors.push({ line, message: describeBadCharacter(bad) });
      return;
    }
    const parsed = importLineSchema.safeParse(raw);
    if (!parsed.success) {
      errors.push({ line, message: describeZodError(parsed.error) });
      return;
    }
    const { prompt, messages, responses, language, source } = parsed.data;
    const conversation: ChatMessage[] = messages ?? [{ role: "user", content: prompt! }];
    const contentHash = promptContentHash(conversation);
    const existing = records.get(contentHash);
    if (existing) repeatedLines.push(line);
    const record = existing ?? { line, messages: conversation, language, source, contentHash, responses: [] };
    for (const { text: answer, model } of responses) {
      const responseHash = responseContentHash(contentHash, answer, model ?? null);
      if (!record.responses.some((r) => r.contentHash === responseHash)) {
        record.responses.push({ text: answer, modelName: model ?? null, contentHash: responseHash });
      }
    }
    records.set(contentHash, record);
  });
  return { records: [...records.values()], errors, repeatedLines };
}
