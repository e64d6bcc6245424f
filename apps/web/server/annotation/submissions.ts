/**
 * Annotator writes: prompts, answers, rankings (with flags), labels, skips and edits. Each runs in one
 * idempotent transaction that also finishes the task it answers and applies automatic moderation.
 */
import { TRPCError } from "@trpc/server";
import type { z } from "zod";
import type { Prisma, PrismaClient } from "@rlhf/db";
import type { ChatMessage } from "./content";
import { idempotentWrite, type Tx } from "./idempotency";
import type {
  createPromptInput,
  editPromptInput,
  editRankingInput,
  editResponseInput,
  LabelValues,
  skipTaskInput,
  submitAnswerInput,
  submitLabelsInput,
  submitRankingInput,
} from "./inputs";
import type { AnnotationPolicy } from "./policy";
import { canEdit, editDeadline, type Flag, shouldHide } from "./quality";
import { assertValidRanking, type Ranking } from "./ranking";
import { type ItemRef, targetColumns, targetKey } from "./target";
import { claimTaskForSubmission, finishTask, lockItem } from "./tasks";

export interface Actor {
  id: string;
}

export interface AnnotationContext {
  prisma: PrismaClient;
  policy: AnnotationPolicy;
}

const clock = () => new Date();

export async function createPrompt(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof createPromptInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "createPrompt" },
    async (tx) => {
      const prompt = await tx.prompt.create({
        data: { messages: input.messages, language: input.language, source: "HUMAN", authorId: actor.id },
      });
      return { promptId: prompt.id };
    },
  );
}

export async function submitAnswer(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof submitAnswerInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "submitAnswer" },
    async (tx) => {
      const now = clock();
      const task = await claimTaskForSubmission(tx, input.taskId, actor.id, "WRITE_ANSWER", now);
      const response = await tx.response.create({
        data: { promptId: task.promptId, text: input.text, kind: "HUMAN", authorId: actor.id },
      });
      await finishTask(tx, task.id, now);
      return { responseId: response.id };
    },
  );
}

/**
 * Merges flags and scores into the person's label on an item (a later score replaces an earlier one, flags
 * accumulate), then hides the item if enough different people raised red flags on it.
 */
async function applyLabel(
  tx: Tx,
  ctx: AnnotationContext,
  actor: Actor,
  item: ItemRef,
  values: LabelValues,
  now: Date,
) {
  const target = targetKey(item);
  const existing = await tx.label.findUnique({ where: { target_userId: { target, userId: actor.id } } });
  const flags = [...new Set([...(existing?.flags ?? []), ...values.flags])].sort();
  const scores = {
    quality: values.quality,
    helpfulness: values.helpfulness,
    harmlessness: values.harmlessness,
  };
  await tx.label.upsert({
    where: { target_userId: { target, userId: actor.id } },
    update: { flags, ...scores },
    create: { target, ...targetColumns(item), userId: actor.id, flags, ...scores },
  });
  if (values.flags.length > 0) await moderate(tx, ctx, item, now);
}

async function moderate(tx: Tx, ctx: AnnotationContext, item: ItemRef, now: Date) {
  // Without the lock concurrent flaggers each count only their own flag and the item is never hidden.
  await lockItem(tx, targetKey(item));
  const labels = await tx.label.findMany({
    where: { target: targetKey(item) },
    select: { userId: true, flags: true },
  });
  const flags = labels.flatMap((l) => l.flags.map((flag) => ({ userId: l.userId, flag: flag as Flag })));
  if (!shouldHide(flags, ctx.policy)) return;
  const where = { id: item.id, hiddenAt: null };
  const hidden =
    item.kind === "prompt"
      ? await tx.prompt.updateMany({ where, data: { hiddenAt: now } })
      : await tx.response.updateMany({ where, data: { hiddenAt: now } });
  if (hidden.count > 0) {
    await tx.auditLog.create({
      data: { action: "moderation.hide", target: targetKey(item), details: { flags } },
    });
  }
}

export async function submitRanking(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof submitRankingInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "submitRanking" },
    async (tx) => {
      const now = clock();
      const task = await claimTaskForSubmission(tx, input.taskId, actor.id, "RANK", now);
      const visible = await tx.response.findMany({
        where: { promptId: task.promptId, hiddenAt: null, reviewState: { not: "REJECTED" } },
        select: { id: true },
      });
      const ids = visible.map((r) => r.id);
      validRankingOrThrow(input.ranking, ids);
      const unknownLabelled = Object.keys(input.labels).filter((id) => !ids.includes(id));
      if (unknownLabelled.length > 0) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `labels: not an answer of this prompt: ${unknownLabelled.join(", ")}`,
        });
      }
      const ranking = await tx.ranking.create({
        data: { promptId: task.promptId, userId: actor.id, order: input.ranking },
      });
      // Sorted, because moderation locks each flagged answer and locks must be taken in one order.
      for (const [responseId, values] of Object.entries(input.labels).sort(([a], [b]) =>
        a.localeCompare(b),
      )) {
        await applyLabel(tx, ctx, actor, { kind: "response", id: responseId }, values, now);
      }
      await finishTask(tx, task.id, now);
      return { rankingId: ranking.id };
    },
  );
}

function validRankingOrThrow(ranking: Ranking, expectedIds: string[]) {
  try {
    assertValidRanking(ranking, expectedIds);
  } catch (error) {
    throw new TRPCError({ code: "BAD_REQUEST", message: (error as Error).message, cause: error });
  }
}

export async function submitLabels(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof submitLabelsInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "submitLabels" },
    async (tx) => {
      const now = clock();
      const task = await claimTaskForSubmission(tx, input.taskId, actor.id, "LABEL", now);
      await applyLabel(tx, ctx, actor, { kind: "response", id: task.responseId! }, input.response, now);
      if (input.prompt)
        await applyLabel(tx, ctx, actor, { kind: "prompt", id: task.promptId }, input.prompt, now);
      await finishTask(tx, task.id, now);
      return { labelled: task.target };
    },
  );
}

/** Skipping twice is harmless: the second call finds the task already skipped and changes nothing. */
export async function skipTask(ctx: AnnotationContext, actor: Actor, input: z.infer<typeof skipTaskInput>) {
  return ctx.prisma.$transaction(async (tx) => {
    const task = await tx.task.findUnique({ where: { id: input.taskId } });
    if (task?.userId === actor.id && task.status === "SKIPPED") return { skipped: task.id };
    const claimed = await claimTaskForSubmission(
      tx,
      input.taskId,
      actor.id,
      task?.kind ?? "WRITE_ANSWER",
      clock(),
    );
    await finishTask(tx, claimed.id, clock(), input.reason);
    return { skipped: claimed.id };
  });
}

/** An author's edit inside the edit window, before any review decided the item; the old version is kept. */
async function editable(
  ctx: AnnotationContext,
  actor: Actor,
  row: { authorId: string | null; createdAt: Date } | null,
  what: string,
) {
  if (!row || row.authorId !== actor.id)
    throw new TRPCError({ code: "NOT_FOUND", message: `${what}: not one of your submissions` });
  if (!canEdit(row.createdAt, clock(), ctx.policy)) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `${what}: the edit window closed at ${editDeadline(row.createdAt, ctx.policy).toISOString()}`,
    });
  }
}

async function recordEdit(
  tx: Tx,
  actor: Actor,
  item: ItemRef,
  before: Prisma.InputJsonValue,
  after: Prisma.InputJsonValue,
) {
  await tx.edit.create({
    data: { target: targetKey(item), ...targetColumns(item), editorId: actor.id, before, after },
  });
}

interface ReviewableRow {
  id: string;
  authorId: string | null;
  createdAt: Date;
  reviewState: string;
}

/**
 * An author's edit of a prompt or answer: inside the edit window and only while no review has decided it. The
 * write is conditional on the item still being PENDING, so a review that decides it meanwhile is never undone.
 */
async function editUnreviewed<Row extends ReviewableRow>(
  tx: Tx,
  ctx: AnnotationContext,
  actor: Actor,
  edit: {
    what: string;
    kind: "prompt" | "response";
    row: Row | null;
    before: (row: Row) => Prisma.InputJsonValue;
    after: Prisma.InputJsonValue;
    updateIfPending: (where: { id: string; reviewState: "PENDING" }) => Promise<{ count: number }>;
  },
) {
  const { what, row } = edit;
  await editable(ctx, actor, row, what);
  const reviewedAs = (state: string) =>
    new TRPCError({ code: "PRECONDITION_FAILED", message: `${what}: already reviewed (${state})` });
  if (row!.reviewState !== "PENDING") throw reviewedAs(row!.reviewState);
  const { count } = await edit.updateIfPending({ id: row!.id, reviewState: "PENDING" });
  if (count === 0) throw reviewedAs("decided while you were editing");
  await recordEdit(tx, actor, { kind: edit.kind, id: row!.id }, edit.before(row!), edit.after);
}

export async function editPrompt(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof editPromptInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "editPrompt" },
    async (tx) => {
      await editUnreviewed(tx, ctx, actor, {
        what: "promptId",
        kind: "prompt",
        row: await tx.prompt.findUnique({ where: { id: input.promptId } }),
        before: (prompt) => ({ messages: prompt.messages as Prisma.InputJsonValue }),
        after: { messages: input.messages },
        updateIfPending: (where) => tx.prompt.updateMany({ where, data: { messages: input.messages } }),
      });
      return { promptId: input.promptId };
    },
  );
}

export async function editResponse(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof editResponseInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "editResponse" },
    async (tx) => {
      await editUnreviewed(tx, ctx, actor, {
        what: "responseId",
        kind: "response",
        row: await tx.response.findUnique({ where: { id: input.responseId } }),
        before: (response) => ({ text: response.text }),
        after: { text: input.text },
        updateIfPending: (where) => tx.response.updateMany({ where, data: { text: input.text } }),
      });
      return { responseId: input.responseId };
    },
  );
}

export async function editRanking(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof editRankingInput>,
) {
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "editRanking" },
    async (tx) => {
      const ranking = await tx.ranking.findUnique({ where: { id: input.rankingId } });
      await editable(
        ctx,
        actor,
        ranking && { authorId: ranking.userId, createdAt: ranking.createdAt },
        "rankingId",
      );
      const before = ranking!.order as string[][];
      validRankingOrThrow(input.ranking, before.flat());
      await recordEdit(
        tx,
        actor,
        { kind: "ranking", id: ranking!.id },
        { order: before },
        { order: input.ranking },
      );
      await tx.ranking.update({ where: { id: ranking!.id }, data: { order: input.ranking } });
      return { rankingId: ranking!.id };
    },
  );
}

// Authors see why their work was rejected (not by whom: reviews stay anonymous to authors).
const REJECTIONS = {
  where: { verdict: "REJECT" as const },
  orderBy: { createdAt: "asc" as const },
  select: { reason: true },
};

/** The caller's recent submissions with what the pages need to offer an edit, and rejection reasons. */
export async function mySubmissions(ctx: AnnotationContext, actor: Actor) {
  const now = clock();
  const take = 50;
  const [prompts, responses, rankings] = await Promise.all([
    ctx.prisma.prompt.findMany({
      where: { authorId: actor.id },
      orderBy: { createdAt: "desc" },
      take,
      include: { edits: { orderBy: { createdAt: "desc" } }, reviews: REJECTIONS },
    }),
    ctx.prisma.response.findMany({
      where: { authorId: actor.id },
      orderBy: { createdAt: "desc" },
      take,
      include: {
        edits: { orderBy: { createdAt: "desc" } },
        prompt: { select: { messages: true } },
        reviews: REJECTIONS,
      },
    }),
    ctx.prisma.ranking.findMany({
      where: { userId: actor.id },
      orderBy: { createdAt: "desc" },
      take,
      include: {
        edits: { orderBy: { createdAt: "desc" } },
        prompt: { include: { responses: { select: { id: true, text: true } } } },
      },
    }),
  ]);
  const window = (createdAt: Date) => ({
    editableUntil: editDeadline(createdAt, ctx.policy).toISOString(),
    editable: canEdit(createdAt, now, ctx.policy),
  });
  const history = (edits: { before: unknown; after: unknown; createdAt: Date }[]) =>
    edits.map((e) => ({ before: e.before, after: e.after, at: e.createdAt.toISOString() }));
  return {
    prompts: prompts.map((p) => ({
      id: p.id,
      messages: p.messages as unknown as ChatMessage[],
      language: p.language,
      reviewState: p.reviewState,
      hidden: p.hiddenAt !== null,
      createdAt: p.createdAt.toISOString(),
      ...window(p.createdAt),
      editable: canEdit(p.createdAt, now, ctx.policy) && p.reviewState === "PENDING",
      history: history(p.edits),
      rejectionReasons: p.reviews.map((review) => review.reason),
    })),
    responses: responses.map((r) => ({
      id: r.id,
      text: r.text,
      prompt: r.prompt.messages as unknown as ChatMessage[],
      reviewState: r.reviewState,
      hidden: r.hiddenAt !== null,
      createdAt: r.createdAt.toISOString(),
      ...window(r.createdAt),
      editable: canEdit(r.createdAt, now, ctx.policy) && r.reviewState === "PENDING",
      history: history(r.edits),
      rejectionReasons: r.reviews.map((review) => review.reason),
    })),
    rankings: rankings.map((k) => ({
      id: k.id,
      order: k.order as string[][],
      prompt: k.prompt.messages as unknown as ChatMessage[],
      texts: Object.fromEntries(k.prompt.responses.map((r) => [r.id, r.text])),
      createdAt: k.createdAt.toISOString(),
      ...window(k.createdAt),
      history: history(k.edits),
    })),
  };
}

/** The caller's work today (UTC): finished tasks plus prompts written, and the tasks they hold open now. */
export async function progress(ctx: AnnotationContext, actor: Actor) {
  const now = clock();
  const startOfDay = new Date(now);
  startOfDay.setUTCHours(0, 0, 0, 0);
  const [tasksDone, promptsWritten, openTasks] = await Promise.all([
    ctx.prisma.task.count({ where: { userId: actor.id, status: "DONE", finishedAt: { gte: startOfDay } } }),
    ctx.prisma.prompt.count({ where: { authorId: actor.id, createdAt: { gte: startOfDay } } }),
    ctx.prisma.task.count({ where: { userId: actor.id, status: "ASSIGNED", expiresAt: { gt: now } } }),
  ]);
  return { doneToday: tasksDone + promptsWritten, openTasks };
}
