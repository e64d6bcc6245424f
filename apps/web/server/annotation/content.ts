/** Shapes and size limits of user content, shared by the import parser, the routers and the pages. */
import { z } from "zod";
import { ChatMessageSchema } from "@rlhf/engine/config";

/** Characters in one prompt turn, answer or reason. Long enough for code and essays, short of abuse. */
export const MAX_TEXT_CHARS = 20_000;
export const MAX_TURNS = 40;
export const MAX_RESPONSES_PER_PROMPT = 12;

/** The engine's chat message (the one schema both sides parse), with the platform's limits on its content. */
export const chatMessageSchema = ChatMessageSchema.extend({
  content: z.string().trim().min(1).max(MAX_TEXT_CHARS),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** A prompt is a conversation that waits for the assistant: it ends with a user turn. */
export const promptMessagesSchema = z
  .array(chatMessageSchema)
  .min(1)
  .max(MAX_TURNS)
  .superRefine((messages, ctx) => {
    const last = messages.length - 1;
    if (last >= 0 && messages[last].role !== "user") {
      ctx.addIssue({
        code: "custom",
        path: [last, "role"],
        message: "the last message of a prompt must be from the user",
      });
    }
  });

/** A BCP 47-style tag such as "en", "de" or "pt-BR". */
export const languageSchema = z
  .string()
  .max(35)
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "expected a language tag such as en or pt-BR");

export const modelNameSchema = z.string().trim().min(1).max(200);
