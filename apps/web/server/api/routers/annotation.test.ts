import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { sid, testCallers } from "../test-callers";

let database: TestDatabase;
let people: ReturnType<typeof testCallers>;
const policy = {
  overlap: 2,
  editWindowMinutes: 5,
  maxOpenTasksPerUser: 2,
  redFlagsToHide: 2,
  writesPerMinute: 1000,
};

beforeAll(async () => {
  process.env.ANNOTATION_POLICY = JSON.stringify(policy);
  database = await createTestDatabase();
  people = testCallers(database.prisma);
});
afterAll(async () => {
  delete process.env.ANNOTATION_POLICY;
  await database.drop();
});

/** An imported prompt with model answers, as an admin import would create it. */
async function importedPrompt(text: string, answers: string[]) {
  return database.prisma.prompt.create({
    data: {
      messages: [{ role: "user", content: text }],
      language: "en",
      source: "IMPORTED",
      reviewState: "ACCEPTED",
      responses: {
        create: answers.map((answer) => ({
          text: answer,
          kind: "MODEL",
          modelName: "tiny",
          reviewState: "ACCEPTED",
        })),
      },
    },
    include: { responses: { orderBy: { id: "asc" } } },
  });
}

async function errorOf(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** Hides every existing prompt, so the next task can only come from what the test creates. */
async function freshPool() {
  await database.prisma.prompt.updateMany({ where: { hiddenAt: null }, data: { hiddenAt: new Date() } });
}

describe("annotator flows", () => {
  it("writes a prompt that others, never its author, get to answer", async () => {
    await freshPool();
    const ann = await people.person("ANNOTATOR");
    const bob = await people.person("ANNOTATOR");
    const { promptId } = await ann.api.annotation.createPrompt({
      submissionId: sid(),
      messages: [{ role: "user", content: "Explain **RLHF** briefly." }],
      language: "en",
    });
    expect(await ann.api.annotation.nextTask({ kind: "WRITE_ANSWER" })).toEqual({
      task: null,
      reason: "nothing-available",
    });

    const { task } = await bob.api.annotation.nextTask({ kind: "WRITE_ANSWER" });
    expect(task?.prompt.id).toBe(promptId);
    const { responseId } = await bob.api.annotation.submitAnswer({
      submissionId: sid(),
      taskId: task!.id,
      text: "Learning from feedback.",
    });
    const response = await database.prisma.response.findUniqueOrThrow({ where: { id: responseId } });
    expect(response).toMatchObject({
      promptId,
      kind: "HUMAN",
      authorId: bob.user.id,
      reviewState: "PENDING",
    });
    expect(await database.prisma.task.findUniqueOrThrow({ where: { id: task!.id } })).toMatchObject({
      status: "DONE",
    });
  });

  it("ranks answers with a tie and flags one inside the ranking task", async () => {
    await freshPool();
    const prompt = await importedPrompt("Name a colour.", ["Red.", "Blue.", "Buy cheap pills!"]);
    const ann = await people.person("ANNOTATOR");
    const { task } = await ann.api.annotation.nextTask({ kind: "RANK" });
    expect(task?.prompt.id).toBe(prompt.id);
    expect(task!.responses.map((r) => r.id).sort()).toEqual(prompt.responses.map((r) => r.id).sort());
    const [red, blue, spam] = prompt.responses;
    const ranking = [[red.id, blue.id], [spam.id]];
    await ann.api.annotation.submitRanking({
      submissionId: sid(),
      taskId: task!.id,
      ranking,
      labels: { [spam.id]: { flags: ["spam"] } },
    });
    const stored = await database.prisma.ranking.findUniqueOrThrow({
      where: { promptId_userId: { promptId: prompt.id, userId: ann.user.id } },
    });
    expect(stored.order).toEqual(ranking);
    const label = await database.prisma.label.findUniqueOrThrow({
      where: { target_userId: { target: `response:${spam.id}`, userId: ann.user.id } },
    });
    expect(label.flags).toEqual(["spam"]);
  });

  it("refuses a ranking that leaves out or invents answers", async () => {
    await freshPool();
    const prompt = await importedPrompt("Pick a number.", ["1", "2"]);
    const ann = await people.person("ANNOTATOR");
    const { task } = await ann.api.annotation.nextTask({ kind: "RANK" });
    expect(task?.prompt.id).toBe(prompt.id);
    const missing = await errorOf(
      ann.api.annotation.submitRanking({
        submissionId: sid(),
        taskId: task!.id,
        ranking: [[prompt.responses[0].id]],
      }),
    );
    expect(missing.message).toMatch(/at least 2 responses/);
    const invented = await errorOf(
      ann.api.annotation.submitRanking({
        submissionId: sid(),
        taskId: task!.id,
        ranking: [[prompt.responses[0].id], [prompt.responses[1].id], ["x"]],
      }),
    );
    expect(invented.message).toMatch(/unknown responses: x/);
    expect(await database.prisma.ranking.count({ where: { promptId: prompt.id } })).toBe(0);
  });

  it("hides an answer once enough different people raise red flags", async () => {
    await freshPool();
    const prompt = await importedPrompt("Say hi.", ["Hi!"]);
    const [answer] = prompt.responses;
    for (const n of [1, 2]) {
      const person = await people.person("ANNOTATOR");
      const { task } = await person.api.annotation.nextTask({ kind: "LABEL" });
      expect(task?.responses[0].id).toBe(answer.id);
      await person.api.annotation.submitLabels({
        submissionId: sid(),
        taskId: task!.id,
        response: { flags: ["spam"], quality: 1 },
      });
      const row = await database.prisma.response.findUniqueOrThrow({ where: { id: answer.id } });
      expect(row.hiddenAt === null).toBe(n < policy.redFlagsToHide);
    }
    expect(
      await database.prisma.auditLog.count({
        where: { action: "moderation.hide", target: `response:${answer.id}` },
      }),
    ).toBe(1);
  });

  it("refuses an entirely empty label, keeping the task open", async () => {
    await freshPool();
    await importedPrompt("Say hello.", ["Hello!"]);
    const person = await people.person("ANNOTATOR");
    const { task } = await person.api.annotation.nextTask({ kind: "LABEL" });
    for (const empty of [{ response: {} }, { response: { flags: [] }, prompt: {} }]) {
      const error = await person.api.annotation
        .submitLabels({ submissionId: sid(), taskId: task!.id, ...empty })
        .catch((e: unknown) => e as TRPCError);
      expect(error).toMatchObject({ code: "BAD_REQUEST" });
      expect((error as TRPCError).message).toMatch(/answer at least one question/);
    }
    expect(await database.prisma.task.findUniqueOrThrow({ where: { id: task!.id } })).toMatchObject({
      status: "ASSIGNED",
    });
    await person.api.annotation.submitLabels({
      submissionId: sid(),
      taskId: task!.id,
      response: { quality: 4 },
    });
  });

  it("hides every answer whose threshold-reaching flags arrive at the same moment", async () => {
    await freshPool();
    const prompt = await importedPrompt("Say bye.", [
      "Bye!",
      "Ciao!",
      "Adieu!",
      "Tschüss!",
      "Adiós!",
      "Doei!",
    ]);
    const flags = [];
    for (let i = 0; i < 2 * prompt.responses.length; i++) {
      const person = await people.person("ANNOTATOR");
      const { task } = await person.api.annotation.nextTask({ kind: "LABEL" });
      flags.push(() =>
        person.api.annotation.submitLabels({
          submissionId: sid(),
          taskId: task!.id,
          response: { flags: ["spam"] },
        }),
      );
    }
    await Promise.all(flags.map((submit) => submit()));
    const rows = await database.prisma.response.findMany({ where: { promptId: prompt.id } });
    expect(rows.filter((r) => r.hiddenAt === null)).toEqual([]);
  });

  it("skips a task with a reason and never offers that item to the same person again", async () => {
    await freshPool();
    const prompt = await importedPrompt("Translate 'cat' to German.", []);
    const ann = await people.person("ANNOTATOR");
    const { task } = await ann.api.annotation.nextTask({ kind: "WRITE_ANSWER" });
    expect(task?.prompt.id).toBe(prompt.id);
    const reason = await errorOf(ann.api.annotation.skipTask({ taskId: task!.id, reason: "" }));
    expect(reason.code).toBe("BAD_REQUEST");
    await ann.api.annotation.skipTask({ taskId: task!.id, reason: "I do not speak German" });
    await ann.api.annotation.skipTask({ taskId: task!.id, reason: "double click" });
    expect(await database.prisma.task.findUniqueOrThrow({ where: { id: task!.id } })).toMatchObject({
      status: "SKIPPED",
      skipReason: "I do not speak German",
    });
    expect(await ann.api.annotation.nextTask({ kind: "WRITE_ANSWER" })).toEqual({
      task: null,
      reason: "nothing-available",
    });
  });

  it("lets the author edit inside the window, keeping every version, and no one else", async () => {
    const ann = await people.person("ANNOTATOR");
    const eve = await people.person("ANNOTATOR");
    const { promptId } = await ann.api.annotation.createPrompt({
      submissionId: sid(),
      messages: [{ role: "user", content: "v1" }],
      language: "en",
    });
    for (const version of ["v2", "v3"]) {
      await ann.api.annotation.editPrompt({
        submissionId: sid(),
        promptId,
        messages: [{ role: "user", content: version }],
      });
    }
    const mine = await ann.api.annotation.mySubmissions();
    const shown = mine.prompts.find((p) => p.id === promptId)!;
    expect(shown.messages[0].content).toBe("v3");
    expect(shown.editable).toBe(true);
    expect(
      shown.history.map((h) => [(h.before as any).messages[0].content, (h.after as any).messages[0].content]),
    ).toEqual([
      ["v2", "v3"],
      ["v1", "v2"],
    ]);

    const stranger = await errorOf(
      eve.api.annotation.editPrompt({
        submissionId: sid(),
        promptId,
        messages: [{ role: "user", content: "mine now" }],
      }),
    );
    expect(stranger.code).toBe("NOT_FOUND");

    await database.prisma.prompt.update({
      where: { id: promptId },
      data: { createdAt: new Date(Date.now() - 6 * 60_000) },
    });
    const late = await errorOf(
      ann.api.annotation.editPrompt({
        submissionId: sid(),
        promptId,
        messages: [{ role: "user", content: "v4" }],
      }),
    );
    expect(late.code).toBe("PRECONDITION_FAILED");
    expect(late.message).toMatch(/edit window closed/);
    expect(await database.prisma.edit.count({ where: { promptId } })).toBe(2);
  });

  it("refuses to edit an answer once a review decided it, leaving text and history alone", async () => {
    await freshPool();
    await importedPrompt("Name a planet.", []);
    const ann = await people.person("ANNOTATOR");
    const { task } = await ann.api.annotation.nextTask({ kind: "WRITE_ANSWER" });
    const { responseId } = await ann.api.annotation.submitAnswer({
      submissionId: sid(),
      taskId: task!.id,
      text: "Mars.",
    });
    await database.prisma.response.update({ where: { id: responseId }, data: { reviewState: "ACCEPTED" } });
    const refused = await errorOf(
      ann.api.annotation.editResponse({ submissionId: sid(), responseId, text: "Pluto." }),
    );
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toBe("responseId: already reviewed (ACCEPTED)");
    expect(await database.prisma.response.findUniqueOrThrow({ where: { id: responseId } })).toMatchObject({
      text: "Mars.",
    });
    expect(await database.prisma.edit.count({ where: { responseId } })).toBe(0);
  });

  it("writes one row for a double click or a retried request", async () => {
    const ann = await people.person("ANNOTATOR");
    const submissionId = sid();
    const input = {
      submissionId,
      messages: [{ role: "user" as const, content: "Only once, please." }],
      language: "en",
    };
    const results = await Promise.all([1, 2, 3].map(() => ann.api.annotation.createPrompt(input)));
    expect(new Set(results.map((r) => r.promptId)).size).toBe(1);
    expect(await ann.api.annotation.createPrompt(input)).toEqual(results[0]);
    expect(await database.prisma.prompt.count({ where: { authorId: ann.user.id } })).toBe(1);
    const reuse = await errorOf(
      ann.api.annotation.editPrompt({
        submissionId,
        promptId: results[0].promptId,
        messages: input.messages,
      }),
    );
    expect(reuse.code).toBe("CONFLICT");
  });

  it("rejects bad input naming the field, and over-long text", async () => {
    const ann = await people.person("ANNOTATOR");
    const bad = await errorOf(
      ann.api.annotation.createPrompt({
        submissionId: sid(),
        messages: [{ role: "user", content: "x" }],
        language: "English",
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toMatch(/language/);
    const long = await errorOf(
      ann.api.annotation.createPrompt({
        submissionId: sid(),
        messages: [{ role: "user", content: "a".repeat(20_001) }],
        language: "en",
      }),
    );
    expect(long.message).toMatch(/messages/);
    const unknown = await errorOf(
      ann.api.annotation.createPrompt({
        submissionId: sid(),
        messages: [{ role: "user", content: "x" }],
        language: "en",
        extra: 1,
      } as never),
    );
    expect(unknown.message).toMatch(/extra/);
    expect(await database.prisma.prompt.count({ where: { authorId: ann.user.id } })).toBe(0);
  });

  it("limits how fast one person can write", async () => {
    process.env.ANNOTATION_POLICY = JSON.stringify({ ...policy, writesPerMinute: 3 });
    try {
      const ann = await people.person("ANNOTATOR");
      const write = () =>
        ann.api.annotation.createPrompt({
          submissionId: sid(),
          messages: [{ role: "user", content: "spam?" }],
          language: "en",
        });
      for (let i = 0; i < 3; i++) await write();
      expect((await errorOf(write())).code).toBe("TOO_MANY_REQUESTS");
      expect(await database.prisma.prompt.count({ where: { authorId: ann.user.id } })).toBe(3);
    } finally {
      process.env.ANNOTATION_POLICY = JSON.stringify(policy);
    }
  });

  it("requires a signed-in person", async () => {
    expect((await errorOf(people.anonymous().annotation.nextTask({ kind: "RANK" }))).code).toBe(
      "UNAUTHORIZED",
    );
  });
});

describe("task assignment", () => {
  it("keeps overlap and never repeats a person under many concurrent requests", async () => {
    await freshPool();
    const prompts = await Promise.all([1, 2, 3].map((n) => importedPrompt(`Concurrent ${n}`, ["a", "b"])));
    const crowd = await Promise.all(Array.from({ length: 10 }, () => people.person("ANNOTATOR")));
    // Every person asks twice at once, as a double-clicking browser would.
    const results = await Promise.all(
      crowd.flatMap((p) => [p, p]).map((p) => p.api.annotation.nextTask({ kind: "RANK" })),
    );
    const tasks = await database.prisma.task.findMany({
      where: { kind: "RANK", promptId: { in: prompts.map((p) => p.id) } },
    });
    expect(tasks).toHaveLength(prompts.length * policy.overlap);
    for (const prompt of prompts) {
      const holders = tasks.filter((t) => t.promptId === prompt.id).map((t) => t.userId);
      expect(holders).toHaveLength(policy.overlap);
      expect(new Set(holders).size).toBe(policy.overlap);
    }
    // The two requests of one person got the same task, or both got none.
    for (let i = 0; i < crowd.length; i++) expect(results[2 * i].task?.id).toBe(results[2 * i + 1].task?.id);
    expect(results.filter((r) => r.task === null)).toHaveLength(
      2 * (crowd.length - prompts.length * policy.overlap),
    );
  });

  it("bounds open tasks per person and returns expired tasks to the pool", async () => {
    await freshPool();
    await importedPrompt("Expiring", ["x", "y"]);
    await importedPrompt("Another", ["x", "y"]);
    const ann = await people.person("ANNOTATOR");
    const first = await ann.api.annotation.nextTask({ kind: "WRITE_ANSWER" });
    const second = await ann.api.annotation.nextTask({ kind: "RANK" });
    expect(first.task && second.task).toBeTruthy();
    expect(await ann.api.annotation.nextTask({ kind: "LABEL" })).toEqual({
      task: null,
      reason: "too-many-open-tasks",
    });

    // The RANK task expires: its slot goes back to the pool and the late submission is refused.
    await database.prisma.task.update({
      where: { id: second.task!.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const late = await errorOf(
      ann.api.annotation.submitRanking({
        submissionId: sid(),
        taskId: second.task!.id,
        ranking: second.task!.responses.map((r) => [r.id]),
      }),
    );
    expect(late.code).toBe("CONFLICT");
    for (let n = 0; n < policy.overlap; n++) {
      const other = await people.person("ANNOTATOR");
      expect((await other.api.annotation.nextTask({ kind: "RANK" })).task?.prompt.id).toBe(
        second.task!.prompt.id,
      );
    }
  });
});
