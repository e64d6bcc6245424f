import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerModelVersion } from "@rlhf/db/registry";
import { createTestDatabase, services, type TestDatabase } from "@rlhf/db/test-support";
import { parseFastChat } from "../../arena/fastchat";
import { closeGenerateServices, generateServices } from "../../arena/services";
import { useTestRedis, writeAnswer } from "../../arena/test-answers";
import { testCallers, type Caller } from "../test-callers";

let database: TestDatabase;
let admin: Caller;
let alice: Caller;
let bob: Caller;
const versions: string[] = [];

beforeAll(async () => {
  useTestRedis(services().redisUrl);
  database = await createTestDatabase();
  const callers = testCallers(database.prisma);
  admin = (await callers.person("ADMIN")).api;
  alice = (await callers.person("ANNOTATOR")).api;
  bob = (await callers.person("ANNOTATOR")).api;
  for (const name of ["falcon-sft", "heron-dpo"])
    versions.push(
      (
        await registerModelVersion(database.prisma, {
          modelName: name,
          kind: "POLICY",
          artifactDir: "/nowhere",
        })
      ).id,
    );
});

afterAll(async () => {
  await closeGenerateServices();
  await database?.drop();
});

type Battle = Awaited<ReturnType<Caller["arena"]["start"]>>;

/** Both answers of the battle's last turn, written as the generate worker writes them. */
async function answerLastTurn(battle: Battle, a = "a sunny answer", b = "a cloudy answer") {
  const turn = battle.turns.at(-1)!;
  await writeAnswer(database.prisma, turn.a!.generationId, [a]);
  await writeAnswer(database.prisma, turn.b!.generationId, [b]);
}

const battleCount = () => database.prisma.arenaBattle.count();

describe("arena battles", () => {
  it("refuses a battle while fewer than two models are published, writing nothing", async () => {
    await expect(alice.arena.start({ prompt: "hello" })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/at least two published models; 0 are published/),
    });
    await admin.arena.publish({ versionId: versions[0] });
    await expect(alice.arena.start({ prompt: "hello" })).rejects.toThrow(/1 is published/);
    expect(await battleCount()).toBe(0);
    expect(await database.prisma.generation.count()).toBe(0);
    await expect(alice.arena.publish({ versionId: versions[1] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await admin.arena.publish({ versionId: versions[1] });
  });

  it("runs a battle: same prompt to both, anonymous until the vote, one vote, then the names", async () => {
    const battle = await alice.arena.start({ prompt: "what is the weather?" });
    expect(battle.reveal).toBeNull();
    expect(battle.turns).toHaveLength(1);
    const rows = await database.prisma.generation.findMany({ where: { battleId: battle.id } });
    expect(rows.map((r) => r.messages)).toEqual([
      [{ role: "user", content: "what is the weather?" }],
      [{ role: "user", content: "what is the weather?" }],
    ]);
    expect(new Set(rows.map((r) => r.versionId))).toEqual(new Set(versions));

    // a vote before both answers finished: refused, nothing written
    await expect(alice.arena.vote({ battleId: battle.id, vote: "A" })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "both answers must finish before you vote",
    });
    await writeAnswer(database.prisma, battle.turns[0].a!.generationId, ["sunny"]);
    await expect(alice.arena.vote({ battleId: battle.id, vote: "A" })).rejects.toThrow(/must finish/);
    await writeAnswer(database.prisma, battle.turns[0].b!.generationId, ["cloudy"]);

    // someone else's battle: refused, nothing written
    await expect(bob.arena.vote({ battleId: battle.id, vote: "B" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/is not yours/),
    });
    await expect(bob.arena.get({ battleId: battle.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(
      (await database.prisma.arenaBattle.findUniqueOrThrow({ where: { id: battle.id } })).vote,
    ).toBeNull();

    // regenerate before the vote gives both sides new answers to the same turn
    const regenerated = await alice.arena.regenerate({ battleId: battle.id });
    expect(regenerated.turns[0].a!.generationId).not.toBe(battle.turns[0].a!.generationId);
    expect(regenerated.finished).toBe(false);
    await answerLastTurn(regenerated);

    const voted = await alice.arena.vote({ battleId: battle.id, vote: "A" });
    const names = new Set([voted.reveal!.modelA, voted.reveal!.modelB]);
    expect(names).toEqual(new Set(["falcon-sft v1", "heron-dpo v1"]));
    expect(voted.reveal!.excludedReason).toBeNull();

    await expect(alice.arena.vote({ battleId: battle.id, vote: "B" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(alice.arena.regenerate({ battleId: battle.id })).rejects.toThrow(/only before the vote/);
    const stored = await database.prisma.arenaBattle.findUniqueOrThrow({ where: { id: battle.id } });
    expect(stored.vote).toBe("A");
    expect(stored.conversationA).toEqual([
      { role: "user", content: "what is the weather?" },
      { role: "assistant", content: "a sunny answer" },
    ]);

    const board = await alice.arena.leaderboard();
    expect(board.totalBattles).toBe(1);
    const winner = board.rows[0];
    expect(winner.model).toBe(voted.reveal!.modelA);
    expect(winner.rating).toBeGreaterThan(board.rows[1].rating);
    expect(winner.battles).toBe(1);
  });

  it("continues a battle for more turns, each side with its own history", async () => {
    const battle = await alice.arena.start({ prompt: "name a colour" });
    await expect(alice.arena.continue({ battleId: battle.id, prompt: "another" })).rejects.toThrow(
      /must finish/,
    );
    await answerLastTurn(battle, "red", "blue");
    const second = await alice.arena.continue({ battleId: battle.id, prompt: "another" });
    expect(second.turns.map((t) => t.user)).toEqual(["name a colour", "another"]);
    const [a] = await database.prisma.generation.findMany({
      where: { battleId: battle.id, turn: 2, side: "a" },
    });
    expect(a.messages).toEqual([
      { role: "user", content: "name a colour" },
      { role: "assistant", content: "red" },
      { role: "user", content: "another" },
    ]);
    await answerLastTurn(second, "green", "yellow");
    await alice.arena.vote({ battleId: battle.id, vote: "TIE" });
  });

  it("excludes a battle whose answer names a model from the ratings", async () => {
    const before = (await alice.arena.leaderboard()).totalBattles;
    const battle = await alice.arena.start({ prompt: "who are you?" });
    await answerLastTurn(battle, "I am Falcon-SFT.", "a model");
    const voted = await alice.arena.vote({ battleId: battle.id, vote: "BOTH_BAD" });
    expect(voted.reveal!.excludedReason).toBe("name_leak");
    const board = await alice.arena.leaderboard();
    expect(board.totalBattles).toBe(before);
    expect(board.excluded).toBe(1);
  });

  it("limits battles per person per hour", async () => {
    process.env.ARENA_BATTLES_PER_HOUR = "3";
    try {
      await expect(alice.arena.start({ prompt: "again" })).rejects.toMatchObject({
        code: "TOO_MANY_REQUESTS",
      });
      const fresh = await bob.arena.start({ prompt: "first of mine" });
      expect(fresh.turns).toHaveLength(1);
    } finally {
      delete process.env.ARENA_BATTLES_PER_HOUR;
    }
  });

  it("exports counted battles in FastChat's format and imports them back (admins only)", async () => {
    await expect(alice.arena.export()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const { jsonl } = await admin.arena.export();
    const records = parseFastChat(jsonl);
    expect(records.map((r) => r.winner).sort()).toEqual(["model_a", "tie"]);
    expect(records.find((r) => r.winner === "tie")!.turn).toBe(2);
    const before = (await alice.arena.leaderboard()).totalBattles;
    expect(await admin.arena.import({ fileText: jsonl })).toEqual({ imported: 2 });
    expect((await alice.arena.leaderboard()).totalBattles).toBe(before + 2);
    const count = await battleCount();
    await expect(admin.arena.import({ fileText: jsonl + '{"model_a": 1}\n' })).rejects.toThrow(/line 3: /);
    expect(await battleCount()).toBe(count);
  });
});

describe("model answers for ranking tasks", () => {
  it("queues a request over the prompts with too few answers, and refuses what cannot work", async () => {
    const prompt = (content: string) =>
      database.prisma.prompt.create({
        data: {
          messages: [{ role: "user", content }],
          language: "en",
          source: "HUMAN",
          reviewState: "ACCEPTED",
        },
      });
    const lonely = await prompt("an unanswered question");
    const busy = await prompt("a well answered question");
    for (const text of ["one", "two"])
      await database.prisma.response.create({
        data: { promptId: busy.id, text, kind: "HUMAN", reviewState: "ACCEPTED" },
      });
    await expect(alice.arena.generateAnswers({ versionIds: versions })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const request = await admin.arena.generateAnswers({ versionIds: versions, fewerThan: 2 });
    expect(request).toMatchObject({ prompts: 1, answers: 2 });
    const job = await generateServices().queue.getJob(request.jobId);
    expect(job!.data).toMatchObject({ promptIds: [lonely.id], versionIds: versions });
    expect(await admin.arena.answersStatus({ jobId: request.jobId })).toMatchObject({ state: "waiting" });

    await expect(admin.arena.generateAnswers({ versionIds: ["gone"] })).rejects.toThrow(/does not exist/);
    await expect(admin.arena.generateAnswers({ versionIds: versions, promptIds: ["gone"] })).rejects.toThrow(
      /none of the chosen prompts exists/,
    );
  });
});
