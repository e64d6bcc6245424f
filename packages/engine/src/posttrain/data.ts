/**
 * Post-training data files, in the JSONL formats the field uses (one JSON object per line; blank lines skipped):
 *   conversations  {"messages":[{"role":"system"|"user"|"assistant","content":"..."}, ...]}      SFT
 *   pairs          {"prompt": "..." | messages, "chosen":"...", "rejected":"...", "margin"?: number} reward, DPO
 *                  (TRL's conversational form too: "chosen"/"rejected" as [{"role":"assistant","content":"..."}])
 *   rankings       {"prompt": "..." | messages, "responses":["..."], "ranks":[0,1,1,2]}          reward (k-wise)
 *   prompts        {"prompt": "..." | messages}                                                   PPO
 * A bad line is reported as `file:line: field: problem`.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ChatMessageSchema } from "../config/chat.js";

export type ChatMessage = z.infer<typeof ChatMessageSchema>;

const PromptSchema = z.union([z.string().min(1), z.array(ChatMessageSchema).min(1)]);

export const ConversationSchema = z.strictObject({
  messages: z
    .array(ChatMessageSchema)
    .min(1)
    .refine((ms) => ms.some((m) => m.role === "assistant"), "needs at least one assistant message"),
});

/** An answer: text, or TRL's conversational form, a list holding the one assistant message (read as its text). */
const AnswerSchema = z.union([
  z.string().min(1),
  z
    .array(ChatMessageSchema)
    .length(1, "a conversational answer is a list with one assistant message")
    .refine(
      (ms) => ms[0].role === "assistant" && ms[0].content.length > 0,
      "the answer must be a non-empty assistant message",
    )
    .transform((ms) => ms[0].content),
]);

export const PreferencePairSchema = z.strictObject({
  prompt: PromptSchema,
  chosen: AnswerSchema,
  rejected: AnswerSchema,
  margin: z.number().optional(),
});

export const RankingSchema = z
  .strictObject({
    prompt: PromptSchema,
    responses: z.array(z.string().min(1)).min(2),
    ranks: z.array(z.number().int().min(0)),
  })
  .refine((r) => r.ranks.length === r.responses.length, {
    message: "ranks and responses must have the same length",
    path: ["ranks"],
  });

export const PromptRecordSchema = z.strictObject({ prompt: PromptSchema });

export type Conversation = z.infer<typeof ConversationSchema>;
export type PreferencePair = z.infer<typeof PreferencePairSchema>;
export type RankingRecord = z.infer<typeof RankingSchema>;
export type PromptRecord = z.infer<typeof PromptRecordSchema>;

/** Parses JSONL text, validating each line with `schema`; `source` names the file in errors. */
export function parseJsonl<S extends z.ZodType>(text: string, schema: S, source: string): z.output<S>[] {
  const records: z.output<S>[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(
        `${source}:${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      );
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const problems = result.error.issues
        .map((p) => `${p.path.join(".") || "(line)"}: ${p.message}`)
        .join("; ");
      throw new Error(`${source}:${i + 1}: ${problems}`);
    }
    records.push(result.data);
  });
  if (records.length === 0) throw new Error(`${source}: no records`);
  return records;
}

export function readJsonl<S extends z.ZodType>(path: string, schema: S): z.output<S>[] {
  return parseJsonl(readFileSync(path, "utf8"), schema, path);
}

/** Reward data: a line is either a pair or a k-wise ranking; pairs become two-response rankings. */
export const RewardRecordSchema = z.union([PreferencePairSchema, RankingSchema]);
export type RewardRecord = z.infer<typeof RewardRecordSchema>;

export function promptMessages(prompt: string | ChatMessage[]): ChatMessage[] {
  return typeof prompt === "string" ? [{ role: "user", content: prompt }] : prompt;
}
