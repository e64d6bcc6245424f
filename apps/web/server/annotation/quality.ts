/**
 * Quality rules as pure decisions: automatic moderation by red flags, acceptance by reviews, the edit window
 * and the contribution leaderboard. The routers apply them in the same transaction as the write that can
 * change their outcome.
 */
import type { AnnotationPolicy } from "./policy";

export const FLAGS = [
  "spam",
  "off_language",
  "pii",
  "not_appropriate",
  "hate",
  "sexual",
  "violence",
] as const;
export type Flag = (typeof FLAGS)[number];
/** Flags that count towards hiding an item. Off-language is a routing problem, not a harm. */
export const RED_FLAGS: readonly Flag[] = ["spam", "pii", "not_appropriate", "hate", "sexual", "violence"];

export const LIKERT_SCALES = ["quality", "helpfulness", "harmlessness"] as const;
export type LikertScale = (typeof LIKERT_SCALES)[number];
export const LIKERT_MIN = 1;
export const LIKERT_MAX = 5;

/** Hidden once `redFlagsToHide` different people raised at least one red flag on the item. */
export function shouldHide(
  flags: readonly { userId: string; flag: Flag }[],
  policy: Pick<AnnotationPolicy, "redFlagsToHide">,
): boolean {
  const flaggers = new Set(flags.filter((f) => RED_FLAGS.includes(f.flag)).map((f) => f.userId));
  return flaggers.size >= policy.redFlagsToHide;
}

export type ReviewVerdict = "ACCEPT" | "REJECT";
export type ReviewState = "PENDING" | "ACCEPTED" | "REJECTED";

/**
 * Undecided until `reviewsRequired` different reviewers have spoken (a reviewer's latest verdict counts);
 * then accepted when the share of accepts reaches `minAcceptShare`, else rejected.
 */
export function reviewState(
  reviews: readonly { reviewerId: string; verdict: ReviewVerdict; createdAt: Date }[],
  policy: Pick<AnnotationPolicy, "reviewsRequired" | "minAcceptShare">,
): ReviewState {
  const latest = new Map<string, { verdict: ReviewVerdict; at: number }>();
  for (const { reviewerId, verdict, createdAt } of reviews) {
    const previous = latest.get(reviewerId);
    if (!previous || createdAt.getTime() >= previous.at)
      latest.set(reviewerId, { verdict, at: createdAt.getTime() });
  }
  if (latest.size < policy.reviewsRequired) return "PENDING";
  const accepts = [...latest.values()].filter((r) => r.verdict === "ACCEPT").length;
  return accepts / latest.size >= policy.minAcceptShare ? "ACCEPTED" : "REJECTED";
}

/** The moment an author can no longer edit a submission. */
export function editDeadline(createdAt: Date, policy: Pick<AnnotationPolicy, "editWindowMinutes">): Date {
  return new Date(createdAt.getTime() + policy.editWindowMinutes * 60_000);
}

export function canEdit(
  createdAt: Date,
  now: Date,
  policy: Pick<AnnotationPolicy, "editWindowMinutes">,
): boolean {
  return now.getTime() < editDeadline(createdAt, policy).getTime();
}

export const CONTRIBUTION_KINDS = ["prompt", "answer", "ranking", "label", "review"] as const;
export type ContributionKind = (typeof CONTRIBUTION_KINDS)[number];
export type ContributionOutcome = ReviewState | "HIDDEN";

/** Points per contribution: writing costs more effort than judging. */
export const CONTRIBUTION_POINTS: Record<ContributionKind, number> = {
  prompt: 3,
  answer: 5,
  ranking: 2,
  label: 1,
  review: 1,
};
/** Accepted work counts double; rejected or hidden work counts nothing, so spam never pays. */
const OUTCOME_FACTOR: Record<ContributionOutcome, number> = {
  ACCEPTED: 2,
  PENDING: 1,
  REJECTED: 0,
  HIDDEN: 0,
};

export interface Contribution {
  userId: string;
  kind: ContributionKind;
  outcome: ContributionOutcome;
}

export interface LeaderboardRow {
  /** Competition rank: equal scores share a rank and the next rank skips ("1, 2, 2, 4"). */
  rank: number;
  userId: string;
  score: number;
  counts: Record<ContributionKind, number>;
}

export function leaderboard(contributions: readonly Contribution[]): LeaderboardRow[] {
  const rows = new Map<string, Omit<LeaderboardRow, "rank">>();
  for (const { userId, kind, outcome } of contributions) {
    const row = rows.get(userId) ?? {
      userId,
      score: 0,
      counts: Object.fromEntries(CONTRIBUTION_KINDS.map((k) => [k, 0])) as Record<ContributionKind, number>,
    };
    row.score += CONTRIBUTION_POINTS[kind] * OUTCOME_FACTOR[outcome];
    row.counts[kind] += 1;
    rows.set(userId, row);
  }
  const sorted = [...rows.values()].sort((a, b) => b.score - a.score || a.userId.localeCompare(b.userId));
  let rank = 0;
  return sorted.map((row, i) => {
    if (i === 0 || row.score !== sorted[i - 1].score) rank = i + 1;
    return { ...row, rank };
  });
}
