/**
 * The annotation project's tunable rules, one schema with every default written once. The server reads them
 * from the ANNOTATION_POLICY environment variable (JSON, any subset of the fields) so a deployment or a test can
 * change them without code; an unknown or out-of-range field fails at start-up with its name.
 */
import { z } from "zod";
import { describeZodError } from "./zodIssues";

export const annotationPolicySchema = z.strictObject({
  /** How many different annotators each item goes to, per task kind. */
  overlap: z.number().int().min(1).max(50).default(3),
  /** Open (assigned, not yet submitted or skipped, unexpired) tasks one person may hold at once. */
  maxOpenTasksPerUser: z.number().int().min(1).max(100).default(5),
  /** An assigned task returns to the pool after this long. */
  taskTtlMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  /** Authors may edit their own submission this long after creating it. */
  editWindowMinutes: z
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 60)
    .default(30),
  /** Reviews needed before an item is decided. */
  reviewsRequired: z.number().int().min(1).max(20).default(1),
  /** Share of accepting reviews (after reviewsRequired reviews) at or above which an item is accepted. */
  minAcceptShare: z.number().min(0).max(1).default(0.5),
  /** Distinct people raising a red flag on an item before it is hidden automatically. */
  redFlagsToHide: z.number().int().min(1).max(100).default(3),
  /** Writes (submissions, edits, reviews) one person may make per minute. */
  writesPerMinute: z.number().int().min(1).max(10_000).default(120),
});

export type AnnotationPolicy = z.infer<typeof annotationPolicySchema>;

export function parseAnnotationPolicy(json: string | undefined): AnnotationPolicy {
  if (!json) return annotationPolicySchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`ANNOTATION_POLICY: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = annotationPolicySchema.safeParse(raw);
  if (!parsed.success) throw new Error(`ANNOTATION_POLICY: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

let cached: { raw: string | undefined; policy: AnnotationPolicy } | undefined;
/** The policy an admin saved in the app (see ./settings), as this process last read it. */
let saved: { policy: AnnotationPolicy; readAtMs: number } | undefined;

/** Whether ANNOTATION_POLICY is set: it then wins over what admins save in the app. */
export const policyFromEnvironment = () => Boolean(process.env.ANNOTATION_POLICY);

/**
 * The policy in force: ANNOTATION_POLICY when set (parsed again only when it changes; tests change it), else
 * the one admins saved in the app, else the defaults.
 */
export function annotationPolicy(): AnnotationPolicy {
  const raw = process.env.ANNOTATION_POLICY;
  if (!raw) return saved?.policy ?? annotationPolicySchema.parse({});
  if (!cached || cached.raw !== raw) cached = { raw, policy: parseAnnotationPolicy(raw) };
  return cached.policy;
}

export function rememberSavedPolicy(policy: AnnotationPolicy, nowMs: number): void {
  saved = { policy, readAtMs: nowMs };
}

/** Whether the saved policy should be read again (other processes may have changed it). */
export const savedPolicyIsStale = (nowMs: number, maxAgeMs: number) =>
  !saved || nowMs - saved.readAtMs > maxAgeMs;
