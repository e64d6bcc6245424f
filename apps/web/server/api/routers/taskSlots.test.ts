// The TaskSlot counters (kept by a trigger on Task) against a full recount, after a seeded random sequence of
// task creations, skips, expiries, submissions, reviews and edits through the real routers.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { sid, testCallers, type Caller } from "../test-callers";

let database: TestDatabase;
let people: ReturnType<typeof testCallers>;

beforeAll(async () => {
  process.env.ANNOTATION_POLICY = JSON.stringify({
    overlap: 2,
    maxOpenTasksPerUser: 3,
    writesPerMinute: 10_000,
  });
  database = await createTestDatabase();
  people = testCallers(database.prisma);
});
afterAll(async () => {
  delete process.env.ANNOTATION_POLICY;
  await database.drop();
});

/** mulberry32, so a failure replays with the same sequence. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Refusals (an expired task, nothing left to do) are part of the sequence; anything else is a bug.
const tolerate = (call: Promise<unknown>) =>
  call.catch((error: unknown) => {
    if (!(error instanceof TRPCError) || error.code === "INTERNAL_SERVER_ERROR") throw error;
  });

type Held = { api: Caller; taskId: string; kind: "WRITE_ANSWER" | "RANK" | "LABEL"; responseIds: string[] };

describe("TaskSlot counters", () => {
  it("equal a full recount after a random sequence of task writes", async () => {
    const random = seeded(12);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
    const admin = await people.person("ADMIN");
    await admin.api.datasets.importJsonl({
      submissionId: sid(),
      fileText: Array.from({ length: 8 }, (_, i) =>
        JSON.stringify({
          prompt: `Slot prompt ${i}?`,
          responses:
            i % 2 === 0
              ? [
                  { text: `A${i}`, model: "m" },
                  { text: `B${i}`, model: "m" },
                ]
              : [],
        }),
      ).join("\n"),
    });
    const annotators = await Promise.all(Array.from({ length: 5 }, () => people.person("ANNOTATOR")));
    const reviewer = await people.person("REVIEWER");
    const held: Held[] = [];
    const rankings: { api: Caller; rankingId: string; order: string[][] }[] = [];

    for (let step = 0; step < 120; step++) {
      const { api } = pick(annotators);
      const action = random();
      if (action < 0.35) {
        const kind = pick(["WRITE_ANSWER", "RANK", "LABEL"] as const);
        const { task } = await api.annotation.nextTask({ kind });
        if (task) held.push({ api, taskId: task.id, kind, responseIds: task.responses.map((r) => r.id) });
      } else if (action < 0.45 && held.length > 0) {
        const task = held.splice(Math.floor(random() * held.length), 1)[0];
        await tolerate(task.api.annotation.skipTask({ taskId: task.taskId, reason: "random skip" }));
      } else if (action < 0.55 && held.length > 0) {
        // Expiry: the task's time runs out (its slot returns to the pool; its holder may get it again).
        await database.prisma.task.updateMany({
          where: { id: pick(held).taskId, status: "ASSIGNED" },
          data: { expiresAt: new Date(Date.now() - 1000) },
        });
      } else if (action < 0.8 && held.length > 0) {
        const task = held.splice(Math.floor(random() * held.length), 1)[0];
        const submissionId = sid();
        if (task.kind === "WRITE_ANSWER")
          await tolerate(
            task.api.annotation.submitAnswer({ submissionId, taskId: task.taskId, text: "An answer." }),
          );
        else if (task.kind === "LABEL")
          await tolerate(
            task.api.annotation.submitLabels({ submissionId, taskId: task.taskId, response: { quality: 3 } }),
          );
        else {
          const order = task.responseIds.map((id) => [id]);
          await tolerate(
            task.api.annotation
              .submitRanking({ submissionId, taskId: task.taskId, ranking: order })
              .then(({ rankingId }) => rankings.push({ api: task.api, rankingId, order })),
          );
        }
      } else if (action < 0.88 && rankings.length > 0) {
        const ranking = pick(rankings);
        await tolerate(
          ranking.api.annotation.editRanking({
            submissionId: sid(),
            rankingId: ranking.rankingId,
            ranking: [...ranking.order].reverse(),
          }),
        );
      } else if (action < 0.94) {
        await api.annotation.createPrompt({
          submissionId: sid(),
          messages: [{ role: "user", content: `Human prompt ${step}?` }],
          language: "en",
        });
      } else {
        const { task } = await reviewer.api.review.nextTask();
        if (task)
          await tolerate(
            reviewer.api.review.submitReview({
              submissionId: sid(),
              taskId: task.id,
              verdict: "ACCEPT",
              reason: "",
            }),
          );
      }
    }

    const statuses = await database.prisma.task.groupBy({ by: ["status"], _count: true });
    // The sequence exercised every state a task can be in.
    expect(statuses.map((s) => s.status).sort()).toEqual(["ASSIGNED", "DONE", "SKIPPED"]);
    const recount = await database.prisma.$queryRaw<object[]>`
      SELECT kind::text, target, count(*) FILTER (WHERE status = 'ASSIGNED')::int AS assigned,
        count(*) FILTER (WHERE status = 'DONE')::int AS done, count(*) FILTER (WHERE status = 'SKIPPED')::int AS skipped
      FROM "Task" GROUP BY kind, target ORDER BY kind, target`;
    const counters = await database.prisma.$queryRaw<object[]>`
      SELECT kind::text, target, assigned, done, skipped FROM "TaskSlot"
      WHERE assigned + done + skipped > 0 ORDER BY kind, target`;
    expect(counters).toEqual(recount);
    expect(counters.length).toBeGreaterThan(10);

    // The precomputed answer counts and "a task was ever made" flags the untouched-item indexes read.
    const promptMismatches = await database.prisma.$queryRaw<object[]>`
      SELECT p.id FROM "Prompt" p WHERE
        p."visibleAnswers" <> (SELECT count(*) FROM "Response" r
          WHERE r."promptId" = p.id AND r."hiddenAt" IS NULL AND r."reviewState" <> 'REJECTED')
        OR p."answerTaskStarted" <> EXISTS (SELECT 1 FROM "Task" t WHERE t.kind = 'WRITE_ANSWER' AND t."promptId" = p.id)
        OR p."rankTaskStarted" <> EXISTS (SELECT 1 FROM "Task" t WHERE t.kind = 'RANK' AND t."promptId" = p.id)`;
    const responseMismatches = await database.prisma.$queryRaw<object[]>`
      SELECT r.id FROM "Response" r
      WHERE r."labelTaskStarted" <> EXISTS (SELECT 1 FROM "Task" t WHERE t.kind = 'LABEL' AND t."responseId" = r.id)`;
    expect({ promptMismatches, responseMismatches }).toEqual({
      promptMismatches: [],
      responseMismatches: [],
    });
    expect(await database.prisma.prompt.count({ where: { visibleAnswers: { gte: 3 } } })).toBeGreaterThan(0);
  });
});
