/**
 * The input of every annotation procedure, as zod schemas. Pure (no Node APIs), so the pages validate forms with
 * the same rules the server enforces. Every write carries a client-generated `submissionId` (idempotency).
 */
import { z } from "zod";
import { languageSchema, MAX_RESPONSES_PER_PROMPT, MAX_TEXT_CHARS, promptMessagesSchema } from "./content";
import { FLAGS, LIKERT_MAX, LIKERT_MIN } from "./quality";

export const MAX_IMPORT_CHARS = 5_000_000;
export const MAX_REASON_CHARS = 2_000;

const idSchema = z.string().min(1).max(64);
export const submissionIdSchema = z.uuid();
const answerTextSchema = z.string().trim().min(1).max(MAX_TEXT_CHARS);

export const rankingInputSchema = z
  .array(z.array(idSchema).min(1).max(MAX_RESPONSES_PER_PROMPT))
  .min(1)
  .max(MAX_RESPONSES_PER_PROMPT);

const likertSchema = z.number().int().min(LIKERT_MIN).max(LIKERT_MAX);
export const labelValuesSchema = z.strictObject({
  flags: z.array(z.enum(FLAGS)).max(FLAGS.length).default([]),
  quality: likertSchema.optional(),
  helpfulness: likertSchema.optional(),
  harmlessness: likertSchema.optional(),
});
export type LabelValues = z.infer<typeof labelValuesSchema>;

export const createPromptInput = z.strictObject({
  submissionId: submissionIdSchema,
  messages: promptMessagesSchema,
  language: languageSchema,
});

export const taskKindInput = z.strictObject({ kind: z.enum(["WRITE_ANSWER", "RANK", "LABEL"]) });

export const submitAnswerInput = z.strictObject({
  submissionId: submissionIdSchema,
  taskId: idSchema,
  text: answerTextSchema,
});

export const submitRankingInput = z.strictObject({
  submissionId: submissionIdSchema,
  taskId: idSchema,
  ranking: rankingInputSchema,
  /** Flags and scores given to answers while ranking them, by response id. */
  labels: z
    .record(idSchema, labelValuesSchema)
    .refine((labels) => Object.keys(labels).length <= MAX_RESPONSES_PER_PROMPT, {
      message: `at most ${MAX_RESPONSES_PER_PROMPT} answers can be labelled (a prompt has no more)`,
    })
    .default({}),
});

const isEmptyLabel = (label: LabelValues | undefined) =>
  !label ||
  (label.flags.length === 0 &&
    label.quality === undefined &&
    label.helpfulness === undefined &&
    label.harmlessness === undefined);

export const submitLabelsInput = z
  .strictObject({
    submissionId: submissionIdSchema,
    taskId: idSchema,
    response: labelValuesSchema,
    prompt: labelValuesSchema.optional(),
  })
  // An empty label says nothing (and would earn a point): at least one flag or score is needed.
  .refine((input) => !(isEmptyLabel(input.response) && isEmptyLabel(input.prompt)), {
    path: ["response"],
    message: "answer at least one question (a flag or a score) before submitting",
  });

export const skipTaskInput = z.strictObject({
  taskId: idSchema,
  reason: z.string().trim().min(1).max(MAX_REASON_CHARS),
});

export const editPromptInput = z.strictObject({
  submissionId: submissionIdSchema,
  promptId: idSchema,
  messages: promptMessagesSchema,
});

export const editResponseInput = z.strictObject({
  submissionId: submissionIdSchema,
  responseId: idSchema,
  text: answerTextSchema,
});

export const editRankingInput = z.strictObject({
  submissionId: submissionIdSchema,
  rankingId: idSchema,
  ranking: rankingInputSchema,
});

export const submitReviewInput = z
  .strictObject({
    submissionId: submissionIdSchema,
    taskId: idSchema,
    verdict: z.enum(["ACCEPT", "REJECT"]),
    reason: z.string().trim().max(MAX_REASON_CHARS).default(""),
  })
  .superRefine((review, ctx) => {
    if (review.verdict === "REJECT" && review.reason === "") {
      ctx.addIssue({ code: "custom", path: ["reason"], message: "a rejection needs a reason" });
    }
  });

export const importJsonlInput = z.strictObject({
  submissionId: submissionIdSchema,
  fileText: z.string().min(1).max(MAX_IMPORT_CHARS),
});

export const REVIEW_STATES = ["PENDING", "ACCEPTED", "REJECTED"] as const;
export const PROMPT_SOURCES = ["HUMAN", "IMPORTED", "SYNTHETIC"] as const;

/** Empty lists mean "any". Dates are inclusive ISO timestamps on the prompt's creation time. */
export const snapshotFiltersSchema = z.strictObject({
  languages: z.array(languageSchema).max(50).default([]),
  sources: z.array(z.enum(PROMPT_SOURCES)).max(PROMPT_SOURCES.length).default([]),
  reviewStates: z.array(z.enum(REVIEW_STATES)).min(1).max(REVIEW_STATES.length).default(["ACCEPTED"]),
  createdFrom: z.iso.datetime().optional(),
  createdTo: z.iso.datetime().optional(),
});
export type SnapshotFilters = z.infer<typeof snapshotFiltersSchema>;

export const createSnapshotInput = z.strictObject({
  submissionId: submissionIdSchema,
  name: z.string().trim().min(1).max(200),
  filters: snapshotFiltersSchema.default(snapshotFiltersSchema.parse({})),
});

export const snapshotFileInput = z.strictObject({
  snapshotId: idSchema,
  file: z.enum(["sft.jsonl", "preference.jsonl", "text.jsonl", "manifest.json"]),
});
