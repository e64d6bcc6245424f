/**
 * One chat message, the unit of every conversation the engine reads (SFT conversations, prompts, TRL's
 * conversational preference answers) and the platform writes. Pure zod: the web app validates its content with
 * this schema (tightening the content's limits) so the two sides cannot drift apart.
 */
import { z } from "zod";

export const CHAT_ROLES = ["system", "user", "assistant"] as const;

export const ChatMessageSchema = z.strictObject({
  role: z.enum(CHAT_ROLES),
  content: z.string(),
});
