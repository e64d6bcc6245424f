/**
 * Task assignment against the database. Candidates come from two cheap queries on a snapshot (items already in
 * progress, fullest first, and untouched items, oldest first); the pure rules in ./assignment rank them. The
 * chosen item is then locked (a transaction-level advisory lock per item, tried without waiting so requests
 * rarely queue behind each other; a request only ever waits while it holds no other item lock, so it cannot
 * deadlock) and re-checked against the same rules on fresh rows before the
 * task is written. A per-person lock serialises one person's own requests (a double click gets one task), and
 * the unique (kind, target, user) index backs "never twice to the same person".
 */
import { TRPCError } from "@trpc/server";
import { Prisma, type PrismaClient, type TaskKind } from "@rlhf/db";
import {
  assignmentBlocker,
  canTakeAnotherTask,
  type PoolItem,
  rankCandidates,
  taskExpiry,
} from "./assignment";
import type { ChatMessage } from "./content";
import { type Tx, TRANSACTION_OPTIONS } from "./idempotency";
import type { AnnotationPolicy } from "./policy";

/** Advisory lock namespaces (the first key of the two-key form). */
const PERSON_LOCKS = 5_170_001;
const ITEM_LOCKS = 5_170_002;
const FRESH_CANDIDATES = 20;
/** Attempts at assignment before answering "nothing-available" (see assignOnce). */
const ASSIGNMENT_PASSES = 3;
const MUST_WAIT_WITHOUT_LOCKS = Symbol("must wait without item locks");

export interface TaskResponse {
  id: string;
  text: string;
  kind: string;
  modelName: string | null;
}

export interface TaskView {
  id: string;
  kind: TaskKind;
  expiresAt: string;
  prompt: { id: string; messages: ChatMessage[]; language: string };
  /** LABEL and REVIEW of an answer: that answer. RANK: every visible answer. */
  responses: TaskResponse[];
  /** REVIEW: whether the prompt itself (rather than an answer) is being reviewed. */
  reviewsPrompt: boolean;
}

export type NextTaskResult =
  { task: TaskView } | { task: null; reason: "too-many-open-tasks" | "nothing-available" };

interface ItemRow {
  target: string;
  promptId: string;
  responseId: string | null;
  createdAt: Date;
  authorIds: (string | null)[];
}

interface TaskHistory {
  completions: number;
  seenBy: string[];
  liveUsers: string[];
  liveExpiries: Date[];
}

/**
 * The items a task kind is about, one row each with its authors; `where` narrows it (it may use p for the
 * prompt and, for answer items, r for the answer).
 */
function itemsQuery(kind: TaskKind, where: Prisma.Sql): Prisma.Sql {
  const visiblePrompt = Prisma.sql`p."hiddenAt" IS NULL AND p."reviewState" <> 'REJECTED'`;
  const visibleResponse = Prisma.sql`r."hiddenAt" IS NULL AND r."reviewState" <> 'REJECTED'`;
  switch (kind) {
    case "WRITE_ANSWER":
      return Prisma.sql`SELECT 'prompt:' || p.id AS target, p.id AS "promptId", NULL::text AS "responseId",
        p."createdAt", ARRAY[p."authorId"] AS "authorIds" FROM "Prompt" p WHERE ${visiblePrompt} AND ${where}`;
    case "RANK":
      return Prisma.sql`SELECT 'prompt:' || p.id AS target, p.id AS "promptId", NULL::text AS "responseId",
        p."createdAt", ARRAY[p."authorId"] || answers.authors AS "authorIds"
        FROM "Prompt" p CROSS JOIN LATERAL (
          SELECT count(*) AS n, array_agg(r."authorId") AS authors FROM "Response" r WHERE r."promptId" = p.id AND ${visibleResponse}
        ) answers
        WHERE ${visiblePrompt} AND answers.n >= 2 AND ${where}`;
    case "LABEL":
      return Prisma.sql`SELECT 'response:' || r.id AS target, r."promptId", r.id AS "responseId",
        r."createdAt", ARRAY[r."authorId", p."authorId"] AS "authorIds"
        FROM "Response" r JOIN "Prompt" p ON p.id = r."promptId" WHERE ${visiblePrompt} AND ${visibleResponse} AND ${where}`;
    case "REVIEW":
      return Prisma.sql`SELECT * FROM (
          SELECT 'prompt:' || p.id AS target, p.id AS "promptId", NULL::text AS "responseId", p."createdAt",
            ARRAY[p."authorId"] AS "authorIds"
          FROM "Prompt" p WHERE p."hiddenAt" IS NULL AND p."reviewState" = 'PENDING' AND p.source = 'HUMAN'
          UNION ALL
          SELECT 'response:' || r.id, r."promptId", r.id, r."createdAt", ARRAY[r."authorId"]
          FROM "Response" r JOIN "Prompt" p ON p.id = r."promptId"
          WHERE r."hiddenAt" IS NULL AND r."reviewState" = 'PENDING' AND r.kind = 'HUMAN' AND p."hiddenAt" IS NULL
        ) review_items WHERE ${where}`;
  }
}

/**
 * Serialises every decision about one item (review outcome, moderation) with assignment: whoever holds it sees
 * the others' committed rows. Callers locking several items take them in sorted order.
 */
export async function lockItem(tx: Tx, target: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ITEM_LOCKS}::int, hashtext(${target}))`;
}

export function overlapFor(kind: TaskKind, policy: AnnotationPolicy): number {
  return kind === "REVIEW" ? policy.reviewsRequired : policy.overlap;
}

const live = (now: Date) => Prisma.sql`t.status = 'ASSIGNED' AND t."expiresAt" > ${now}`;

function historyColumns(now: Date): Prisma.Sql {
  return Prisma.sql`count(*) FILTER (WHERE t.status = 'DONE')::int AS completions,
    coalesce(array_agg(t."userId") FILTER (WHERE t.status <> 'ASSIGNED'), '{}') AS "seenBy",
    coalesce(array_agg(t."userId") FILTER (WHERE ${live(now)}), '{}') AS "liveUsers",
    coalesce(array_agg(t."expiresAt") FILTER (WHERE ${live(now)}), '{}') AS "liveExpiries"`;
}

/**
 * Items with tasks that still have room and that this person has not seen: usually few. The TaskSlot counters
 * (kept by a trigger on Task) narrow them to items not yet done by `overlap` people before any task is read, so
 * the cost follows the work in progress, not the whole Task table.
 */
async function itemsInProgress(tx: Tx, kind: TaskKind, userId: string, overlap: number, now: Date) {
  const rows = await tx.$queryRaw<(ItemRow & TaskHistory)[]>`
    WITH open_slots AS (
      SELECT s.target FROM "TaskSlot" s
      WHERE s.kind = ${kind}::"TaskKind" AND s."assigned" + s."done" + s."skipped" > 0 AND s."done" < ${overlap}
    ), history AS (
      SELECT t.target, min(t."promptId") AS "promptId", ${historyColumns(now)}
      FROM "Task" t JOIN open_slots o ON o.target = t.target
      WHERE t.kind = ${kind}::"TaskKind" GROUP BY t.target
      HAVING count(*) FILTER (WHERE t.status = 'DONE' OR ${live(now)}) < ${overlap}
        AND NOT bool_or(t."userId" = ${userId} AND (t.status <> 'ASSIGNED' OR t."expiresAt" > ${now})))
    SELECT i.*, h.completions, h."seenBy", h."liveUsers", h."liveExpiries"
    FROM history h JOIN (${itemsQuery(kind, Prisma.sql`TRUE`)}) i ON i."promptId" = h."promptId" AND i.target = h.target`;
  return rows;
}

/**
 * The oldest items nobody has a task for yet. For answers, rankings and labels, trigger-kept flags and answer
 * counts match partial indexes (see the untouched_pools migration), so this reads the first few directly however
 * much work is done; the review queue holds only pending human work and is read as it is.
 */
async function untouchedItems(tx: Tx, kind: TaskKind, userId: string) {
  const untouched =
    kind === "WRITE_ANSWER"
      ? Prisma.sql`NOT p."answerTaskStarted"`
      : kind === "RANK"
        ? Prisma.sql`NOT p."rankTaskStarted" AND p."visibleAnswers" >= 2`
        : kind === "LABEL"
          ? Prisma.sql`NOT r."labelTaskStarted"`
          : Prisma.sql`NOT EXISTS (SELECT 1 FROM "Task" t WHERE t.kind = 'REVIEW' AND t.target = review_items.target)`;
  const rows = await tx.$queryRaw<ItemRow[]>`
    SELECT * FROM (${itemsQuery(kind, untouched)}) i
    WHERE NOT (${userId} = ANY (array_remove(i."authorIds", NULL)))
    ORDER BY i."createdAt" LIMIT ${FRESH_CANDIDATES}`;
  return rows.map((row) => ({ ...row, completions: 0, seenBy: [], liveUsers: [], liveExpiries: [] }));
}

/** One item's task history, read after its lock is held. */
async function freshHistory(tx: Tx, kind: TaskKind, target: string, now: Date): Promise<TaskHistory> {
  const [row] = await tx.$queryRaw<TaskHistory[]>`
    SELECT ${historyColumns(now)} FROM "Task" t WHERE t.kind = ${kind}::"TaskKind" AND t.target = ${target}`;
  return row;
}

function asPoolItem(row: ItemRow & TaskHistory): PoolItem {
  return {
    id: row.target,
    createdAt: row.createdAt,
    authorIds: row.authorIds.filter((id): id is string => id !== null),
    completions: row.completions,
    seenBy: row.seenBy,
    assignments: row.liveUsers.map((holder, i) => ({ userId: holder, expiresAt: row.liveExpiries[i] })),
  };
}

const VISIBLE_RESPONSE = { hiddenAt: null, reviewState: { not: "REJECTED" as const } };
const RESPONSE_FIELDS = { id: true, text: true, kind: true, modelName: true } as const;

async function loadTaskView(
  tx: Tx,
  task: { id: string; kind: TaskKind; promptId: string; responseId: string | null; expiresAt: Date },
): Promise<TaskView> {
  const [prompt, responses] = await Promise.all([
    tx.prompt.findUniqueOrThrow({
      where: { id: task.promptId },
      select: { id: true, messages: true, language: true },
    }),
    task.kind === "RANK"
      ? tx.response.findMany({
          where: { promptId: task.promptId, ...VISIBLE_RESPONSE },
          orderBy: { id: "asc" },
          select: RESPONSE_FIELDS,
        })
      : task.responseId
        ? tx.response.findMany({ where: { id: task.responseId }, select: RESPONSE_FIELDS })
        : Promise.resolve([]),
  ]);
  return {
    id: task.id,
    kind: task.kind,
    expiresAt: task.expiresAt.toISOString(),
    prompt: {
      id: prompt.id,
      messages: prompt.messages as unknown as ChatMessage[],
      language: prompt.language,
    },
    responses,
    reviewsPrompt: task.kind === "REVIEW" && task.responseId === null,
  };
}

/** The person's live task of this kind, or a newly assigned one, or why there is none. */
export async function nextTask(
  prisma: PrismaClient,
  userId: string,
  kind: TaskKind,
  policy: AnnotationPolicy,
  now = new Date(),
): Promise<NextTaskResult> {
  for (let pass = 1; pass <= ASSIGNMENT_PASSES; pass++) {
    const result = await prisma.$transaction(
      (tx) => assignOnce(tx, userId, kind, policy, now),
      TRANSACTION_OPTIONS,
    );
    if (result !== MUST_WAIT_WITHOUT_LOCKS) return result;
  }
  return { task: null, reason: "nothing-available" };
}

/**
 * One assignment attempt. It may hold an item lock it tried and then found full; waiting for another item while
 * holding it could deadlock, so it answers MUST_WAIT_WITHOUT_LOCKS and the caller tries again in a new
 * transaction (whose fresh snapshot no longer lists the full item).
 */
async function assignOnce(
  tx: Tx,
  userId: string,
  kind: TaskKind,
  policy: AnnotationPolicy,
  now: Date,
): Promise<NextTaskResult | typeof MUST_WAIT_WITHOUT_LOCKS> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PERSON_LOCKS}::int, hashtext(${userId}))`;
  const held = await tx.task.findFirst({
    where: { userId, kind, status: "ASSIGNED", expiresAt: { gt: now } },
    orderBy: { assignedAt: "asc" },
  });
  if (held) return { task: await loadTaskView(tx, held) };

  const openTaskCount = await tx.task.count({
    where: { userId, status: "ASSIGNED", expiresAt: { gt: now } },
  });
  if (!canTakeAnotherTask(openTaskCount, policy)) return { task: null, reason: "too-many-open-tasks" };

  const rules = { ...policy, overlap: overlapFor(kind, policy) };
  const rows = [
    ...(await itemsInProgress(tx, kind, userId, rules.overlap, now)),
    ...(await untouchedItems(tx, kind, userId)),
  ];
  const byTarget = new Map(rows.map((row) => [row.target, row]));
  const ranked = rankCandidates(rows.map(asPoolItem), userId, rules, now);
  // Another request may be assigning the same item right now: skip it rather than wait. Only when every
  // candidate was busy (so this transaction holds no item lock, and waiting cannot close a cycle) wait for
  // the best one.
  let holdsItemLock = false;
  for (const [attempt, candidate] of [...ranked, ...ranked.slice(0, 1)].entries()) {
    if (attempt < ranked.length) {
      const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${ITEM_LOCKS}::int, hashtext(${candidate.id})) AS ok`;
      if (!lock.ok) continue;
      holdsItemLock = true;
    } else {
      if (holdsItemLock) return MUST_WAIT_WITHOUT_LOCKS;
      await lockItem(tx, candidate.id);
    }
    const row = byTarget.get(candidate.id)!;
    const fresh = asPoolItem({ ...row, ...(await freshHistory(tx, kind, candidate.id, now)) });
    if (assignmentBlocker(fresh, userId, rules, now) !== null) continue;
    const expiresAt = taskExpiry(now, policy);
    const task = await tx.task.upsert({
      where: { kind_target_userId: { kind, target: row.target, userId } },
      // Only an expired task of this person's can already exist here (the re-check excluded every other state).
      update: { status: "ASSIGNED", assignedAt: now, expiresAt },
      create: {
        kind,
        target: row.target,
        promptId: row.promptId,
        responseId: row.responseId,
        userId,
        assignedAt: now,
        expiresAt,
      },
    });
    return { task: await loadTaskView(tx, task) };
  }
  return { task: null, reason: "nothing-available" };
}

/**
 * The caller's live task, for a submission inside `tx`: it must be theirs, of the expected kind, still assigned
 * and unexpired (an expired slot may already be someone else's, and the overlap must hold).
 */
export async function claimTaskForSubmission(
  tx: Tx,
  taskId: string,
  userId: string,
  kind: TaskKind,
  now: Date,
) {
  const task = await tx.task.findUnique({ where: { id: taskId } });
  if (!task || task.userId !== userId || task.kind !== kind) {
    throw new TRPCError({
      code: "NOT_FOUND",
      message: `taskId: no ${kind} task ${taskId} is assigned to you`,
    });
  }
  if (task.status !== "ASSIGNED")
    throw new TRPCError({ code: "CONFLICT", message: `taskId: task is already ${task.status}` });
  if (task.expiresAt.getTime() <= now.getTime()) {
    throw new TRPCError({ code: "CONFLICT", message: "taskId: task expired; ask for a new one" });
  }
  return task;
}

export async function finishTask(tx: Tx, taskId: string, now: Date, skipReason?: string): Promise<void> {
  await tx.task.update({
    where: { id: taskId },
    data: { status: skipReason === undefined ? "DONE" : "SKIPPED", finishedAt: now, skipReason },
  });
}
