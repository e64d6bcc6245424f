/** The guidelines' schema: pure (zod only), so the admin form and the task pages share it with the server. */
import { z } from "zod";

export const GUIDELINE_KINDS = ["WRITE_PROMPT", "WRITE_ANSWER", "RANK", "LABEL", "REVIEW"] as const;
export const LIKERT_DIMENSIONS = ["quality", "helpfulness", "harmlessness"] as const;

export const guidelinesSchema = z.strictObject({
  /** Markdown per task kind. */
  tasks: z.partialRecord(z.enum(GUIDELINE_KINDS), z.string().max(20_000)).default({}),
  /** What each Likert value means, per question: five descriptions, for 1 to 5. */
  likert: z.partialRecord(z.enum(LIKERT_DIMENSIONS), z.array(z.string().max(300)).length(5)).default({}),
});
export type Guidelines = z.infer<typeof guidelinesSchema>;
