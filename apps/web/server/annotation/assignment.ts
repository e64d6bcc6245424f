/**
 * Who gets which task, as pure decisions over a snapshot of the pool. The database layer ranks candidates from
 * a snapshot, then locks the chosen item and re-checks it against these rules on fresh data before writing the
 * task (plus a unique (item, kind, user) constraint), so the rules hold under many concurrent requests.
 *
 * Rules: an item goes to at most `overlap` different people per task kind (completed plus live assignments);
 * never twice to the same person (a skip counts as seen); never to any of its authors (for a review this is
 * the "no self-review" rule; for ranking or labelling it stops people judging their own answers); a person
 * holds at most `maxOpenTasksPerUser` live tasks; a task not finished by its expiry returns to the pool.
 */
import type { AnnotationPolicy } from "./policy";

export interface AssignedTask {
  userId: string;
  expiresAt: Date;
}

/** One item's state for one task kind. */
export interface PoolItem {
  id: string;
  createdAt: Date;
  /** The prompt's author, and for ranking the authors of the ranked responses. */
  authorIds: readonly string[];
  /** Submissions already made for this task kind. */
  completions: number;
  /** People who completed or skipped this task on this item. */
  seenBy: readonly string[];
  /** Assignments not yet submitted or skipped (expired ones included; they are filtered here). */
  assignments: readonly AssignedTask[];
}

export type AssignmentBlocker = "own-item" | "already-seen" | "already-assigned" | "overlap-reached";

export function isLive(task: AssignedTask, now: Date): boolean {
  return task.expiresAt.getTime() > now.getTime();
}

export function taskExpiry(now: Date, policy: Pick<AnnotationPolicy, "taskTtlMinutes">): Date {
  return new Date(now.getTime() + policy.taskTtlMinutes * 60_000);
}

/** Why this person cannot get this item now, or null when they can. */
export function assignmentBlocker(
  item: PoolItem,
  userId: string,
  policy: Pick<AnnotationPolicy, "overlap">,
  now: Date,
): AssignmentBlocker | null {
  if (item.authorIds.includes(userId)) return "own-item";
  if (item.seenBy.includes(userId)) return "already-seen";
  const live = item.assignments.filter((task) => isLive(task, now));
  if (live.some((task) => task.userId === userId)) return "already-assigned";
  if (item.completions + live.length >= policy.overlap) return "overlap-reached";
  return null;
}

/** A person may hold only so many live tasks at once. */
export function canTakeAnotherTask(
  openTaskCount: number,
  policy: Pick<AnnotationPolicy, "maxOpenTasksPerUser">,
): boolean {
  return openTaskCount < policy.maxOpenTasksPerUser;
}

/**
 * The items this person may get, best first: the fewest open slots left (so items reach their overlap and
 * become usable data soon), then the oldest, then by id for determinism.
 */
export function rankCandidates(
  pool: readonly PoolItem[],
  userId: string,
  policy: Pick<AnnotationPolicy, "overlap">,
  now: Date,
): PoolItem[] {
  const slotsLeft = (item: PoolItem) =>
    policy.overlap - item.completions - item.assignments.filter((task) => isLive(task, now)).length;
  return pool
    .filter((item) => assignmentBlocker(item, userId, policy, now) === null)
    .sort(
      (a, b) =>
        slotsLeft(a) - slotsLeft(b) ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        a.id.localeCompare(b.id),
    );
}
