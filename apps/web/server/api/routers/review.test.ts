import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { sid, testCallers } from "../test-callers";

let database: TestDatabase;
let people: ReturnType<typeof testCallers>;

beforeAll(async () => {
  process.env.ANNOTATION_POLICY = JSON.stringify({
    reviewsRequired: 2,
    minAcceptShare: 0.5,
    writesPerMinute: 1000,
  });
  database = await createTestDatabase();
  people = testCallers(database.prisma);
});
afterAll(async () => {
  delete process.env.ANNOTATION_POLICY;
  await database.drop();
});

async function errorCode(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return (error as TRPCError).code;
}

describe("review router", () => {
  it("is FORBIDDEN to annotators", async () => {
    const ann = await people.person("ANNOTATOR");
    expect(await errorCode(ann.api.review.nextTask())).toBe("FORBIDDEN");
    expect(await errorCode(ann.api.review.stats())).toBe("FORBIDDEN");
    const review = { submissionId: sid(), taskId: "x", verdict: "ACCEPT" as const, reason: "" };
    expect(await errorCode(ann.api.review.submitReview(review))).toBe("FORBIDDEN");
  });

  it("never gives reviewers their own work, even when they all ask at once", async () => {
    const reviewers = await Promise.all(Array.from({ length: 6 }, () => people.person("REVIEWER")));
    for (const reviewer of reviewers) {
      await reviewer.api.annotation.createPrompt({
        submissionId: sid(),
        messages: [{ role: "user", content: `by ${reviewer.user.name}` }],
        language: "en",
      });
    }
    const results = await Promise.all(reviewers.map((r) => r.api.review.nextTask()));
    const prompts = await database.prisma.prompt.findMany();
    const tasks = await database.prisma.task.findMany({ where: { kind: "REVIEW" } });
    expect(results.every((r) => r.task !== null)).toBe(true);
    for (const task of tasks) {
      const author = prompts.find((p) => p.id === task.promptId)!.authorId;
      expect(task.userId).not.toBe(author);
    }
    for (const prompt of prompts)
      expect(tasks.filter((t) => t.promptId === prompt.id).length).toBeLessThanOrEqual(2);
  });

  it("accepts after the required number of reviews and records who decided", async () => {
    await database.prisma.prompt.updateMany({ data: { hiddenAt: new Date() } });
    const author = await people.person("ANNOTATOR");
    const { promptId } = await author.api.annotation.createPrompt({
      submissionId: sid(),
      messages: [{ role: "user", content: "Write a haiku about autumn." }],
      language: "en",
    });
    const [first, second] = await Promise.all([people.person("REVIEWER"), people.person("ADMIN")]);

    const { task } = await first.api.review.nextTask();
    expect(task).toMatchObject({ kind: "REVIEW", reviewsPrompt: true, prompt: { id: promptId } });
    const once = await first.api.review.submitReview({
      submissionId: sid(),
      taskId: task!.id,
      verdict: "ACCEPT",
      reason: "",
    });
    expect(once.reviewState).toBe("PENDING");

    const rejectWithoutReason = second.api.review.submitReview({
      submissionId: sid(),
      taskId: "any",
      verdict: "REJECT",
      reason: "",
    });
    expect(await errorCode(rejectWithoutReason)).toBe("BAD_REQUEST");

    const next = await second.api.review.nextTask();
    expect(next.task?.prompt.id).toBe(promptId);
    const twice = await second.api.review.submitReview({
      submissionId: sid(),
      taskId: next.task!.id,
      verdict: "ACCEPT",
      reason: "fine",
    });
    expect(twice.reviewState).toBe("ACCEPTED");
    expect(await database.prisma.prompt.findUniqueOrThrow({ where: { id: promptId } })).toMatchObject({
      reviewState: "ACCEPTED",
    });
    expect(
      await database.prisma.auditLog.count({
        where: { action: "review.accepted", target: `prompt:${promptId}` },
      }),
    ).toBe(1);
    // Decided: the item leaves the review queue.
    const third = await people.person("REVIEWER");
    expect((await third.api.review.nextTask()).task).toBeNull();
  });

  it("decides every item whose last two reviews arrive at the same moment", async () => {
    await database.prisma.prompt.updateMany({ data: { hiddenAt: new Date() } });
    const author = await people.person("ANNOTATOR");
    const promptIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { promptId } = await author.api.annotation.createPrompt({
        submissionId: sid(),
        messages: [{ role: "user", content: `Name prime number ${i}.` }],
        language: "en",
      });
      promptIds.push(promptId);
    }
    const reviews = [];
    for (let i = 0; i < 2 * promptIds.length; i++) {
      const reviewer = await people.person("REVIEWER");
      const { task } = await reviewer.api.review.nextTask();
      reviews.push(() =>
        reviewer.api.review.submitReview({
          submissionId: sid(),
          taskId: task!.id,
          verdict: "ACCEPT",
          reason: "",
        }),
      );
    }
    await Promise.all(reviews.map((submit) => submit()));
    const prompts = await database.prisma.prompt.findMany({ where: { id: { in: promptIds } } });
    expect(prompts.map((p) => p.reviewState)).toEqual(promptIds.map(() => "ACCEPTED"));
  });

  it("reports agreement and a leaderboard", async () => {
    const reviewer = await people.person("REVIEWER");
    const stats = await reviewer.api.review.stats();
    expect(stats.labels.map((q) => q.question)).toContain("flag/spam");
    expect(stats.labels.map((q) => q.question)).toContain("likert/quality");
    expect(stats.leaderboard[0].score).toBeGreaterThan(0);
    const board = await (await people.person("ANNOTATOR")).api.review.leaderboard();
    expect(board.map((row) => row.rank)[0]).toBe(1);
  });

  it("shows authors why their work was rejected, without saying who rejected it", async () => {
    const author = await people.person("ANNOTATOR");
    const { promptId } = await author.api.annotation.createPrompt({
      submissionId: sid(),
      messages: [{ role: "user", content: "Please rate my prompt." }],
      language: "en",
    });
    const reviewer = await people.person("REVIEWER");
    const { task } = await reviewer.api.review.nextTask();
    expect(task?.prompt.id).toBe(promptId);
    await reviewer.api.review.submitReview({
      submissionId: sid(),
      taskId: task!.id,
      verdict: "REJECT",
      reason: "Too vague: say what to rate.",
    });
    const mine = await author.api.annotation.mySubmissions();
    const prompt = mine.prompts.find((p) => p.id === promptId)!;
    expect(prompt.rejectionReasons).toEqual(["Too vague: say what to rate."]);
    expect(JSON.stringify(mine)).not.toContain(reviewer.user.id);
  });
});
