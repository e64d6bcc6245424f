/**
 * Battles in FastChat's cleaned format (the format of the public Chatbot Arena datasets, one JSON object per
 * battle): model_a, model_b, winner, judge, conversation_a/_b (OpenAI-style messages), turn, anony, tstamp
 * (seconds since the epoch). Export writes JSONL; import reads JSONL or a JSON array, naming the bad line.
 */
import { z } from "zod";
import { WINNERS } from "./ratings";

const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });

export const fastChatBattleSchema = z.object({
  question_id: z.string().optional(),
  model_a: z.string().min(1).max(200),
  model_b: z.string().min(1).max(200),
  winner: z.enum(WINNERS),
  judge: z.string().max(200),
  conversation_a: z.array(message).min(2),
  conversation_b: z.array(message).min(2),
  turn: z.number().int().min(1),
  anony: z.boolean(),
  language: z.string().max(40).optional(),
  tstamp: z.number().nonnegative(),
});
export type FastChatBattle = z.infer<typeof fastChatBattleSchema>;

export function toJsonl(battles: FastChatBattle[]): string {
  return battles.map((b) => JSON.stringify(b)).join("\n") + (battles.length > 0 ? "\n" : "");
}

/** Reads a JSONL file or a JSON array of battles; an error names the first bad record and field. */
export function parseFastChat(text: string): FastChatBattle[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const records: { where: string; value: unknown }[] = [];
  if (trimmed.startsWith("[")) {
    const array = parseJson(trimmed, "the file");
    if (!Array.isArray(array)) throw new Error("the file: expected a JSON array of battles");
    array.forEach((value, i) => records.push({ where: `record ${i + 1}`, value }));
  } else {
    trimmed.split("\n").forEach((line, i) => {
      if (line.trim() !== "")
        records.push({ where: `line ${i + 1}`, value: parseJson(line, `line ${i + 1}`) });
    });
  }
  return records.map(({ where, value }) => {
    const parsed = fastChatBattleSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${where}: ${issue.path.join(".") || "(record)"}: ${issue.message}`);
    }
    if (parsed.data.model_a === parsed.data.model_b)
      throw new Error(`${where}: model_a and model_b are both ${parsed.data.model_a}`);
    return parsed.data;
  });
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
}
