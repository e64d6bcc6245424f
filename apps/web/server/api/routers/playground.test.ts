import { isTrackedEnvelope, type TrackedEnvelope } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerModelVersion } from "@rlhf/db/registry";
import { createTestDatabase, services, type TestDatabase } from "@rlhf/db/test-support";
import { closeGenerateServices, generateServices } from "../../arena/services";
import { useTestRedis, writeAnswer } from "../../arena/test-answers";
import { testCallers, type Caller } from "../test-callers";

let database: TestDatabase;
let alice: Caller;
let bob: Caller;
let versionId: string;
const user = (content: string) => ({ role: "user" as const, content });

beforeAll(async () => {
  useTestRedis(services().redisUrl);
  database = await createTestDatabase();
  const callers = testCallers(database.prisma);
  alice = (await callers.person("ANNOTATOR")).api;
  bob = (await callers.person("ANNOTATOR")).api;
  versionId = (
    await registerModelVersion(database.prisma, { modelName: "chatty", kind: "SFT", artifactDir: "/nowhere" })
  ).id;
});

afterAll(async () => {
  await closeGenerateServices();
  await database?.drop();
});

/** Reads events from a subscription until `count` have arrived. */
async function take(iterable: AsyncIterable<unknown>, count: number) {
  const events: { id: string; data: { type: string; [k: string]: unknown } }[] = [];
  for await (const event of iterable) {
    expect(isTrackedEnvelope(event)).toBe(true);
    const [id, data] = event as TrackedEnvelope<(typeof events)[number]["data"]>;
    events.push({ id, data });
    if (events.length === count) break;
  }
  return events;
}

describe("playground streaming", () => {
  it("shows the place in line, then the tokens in order, and resumes after the last event id", async () => {
    const { generationId } = await alice.playground.send({ versionId, messages: [user("hi")] });
    const [queued] = await take(await alice.playground.stream({ generationId }), 1);
    expect(queued.data).toEqual({ type: "queued", position: 1 });

    await writeAnswer(database.prisma, generationId, ["Hel", "lo", " there"]);
    const all = await take(await alice.playground.stream({ generationId }), 5);
    expect(all.map((e) => e.data)).toEqual([
      { type: "started" },
      { type: "token", text: "Hel" },
      { type: "token", text: "lo" },
      { type: "token", text: " there" },
      { type: "done", reason: "stop_token", text: "Hello there" },
    ]);
    // a reconnect after the second event continues with the third: no gap, no repeat
    const resumed = await take(await alice.playground.stream({ generationId, lastEventId: all[1].id }), 3);
    expect(resumed).toEqual(all.slice(2));
  });

  it("stops a waiting request: it leaves the queue and the one behind it moves up", async () => {
    const first = await alice.playground.send({ versionId, messages: [user("one")] });
    const second = await alice.playground.send({ versionId, messages: [user("two")] });
    const [before] = await take(await alice.playground.stream(second), 1);
    expect(before.data).toMatchObject({ type: "queued" });
    const place = before.data.position as number;

    await alice.playground.stop(first);
    expect(await generateServices().queue.getJob(first.generationId)).toBeUndefined();
    const row = await database.prisma.generation.findUniqueOrThrow({ where: { id: first.generationId } });
    expect(row).toMatchObject({ status: "STOPPED", stopReason: "stopped" });
    const [stopped] = await take(await alice.playground.stream(first), 1);
    expect(stopped.data).toEqual({ type: "done", reason: "stopped", text: "" });
    const [after] = await take(await alice.playground.stream(second), 1);
    expect(after.data).toEqual({ type: "queued", position: place - 1 });
  });

  it("keeps generations private and refuses unknown models and bad parameters", async () => {
    const { generationId } = await alice.playground.send({ versionId, messages: [user("mine")] });
    await expect(take(await bob.playground.stream({ generationId }), 1)).rejects.toThrow(
      /no generation .* of yours/,
    );
    await expect(bob.playground.stop({ generationId })).rejects.toThrow(/of yours/);
    await expect(alice.playground.send({ versionId: "missing", messages: [user("x")] })).rejects.toThrow(
      /no model version missing/,
    );
    await expect(
      alice.playground.send({ versionId, messages: [user("x")], params: { temperature: 5 } }),
    ).rejects.toThrow(/temperature/);
  });
});

describe("playground.save", () => {
  it("saves the conversation up to its last user turn as a PLAYGROUND prompt awaiting review", async () => {
    const { promptId } = await alice.playground.save({
      messages: [
        user("first"),
        { role: "assistant", content: "answer" },
        user("second"),
        { role: "assistant", content: "x" },
      ],
    });
    const prompt = await database.prisma.prompt.findUniqueOrThrow({ where: { id: promptId } });
    expect(prompt).toMatchObject({ source: "PLAYGROUND", reviewState: "PENDING", language: "en" });
    expect(prompt.messages).toEqual([
      user("first"),
      { role: "assistant", content: "answer" },
      user("second"),
    ]);
    await expect(
      alice.playground.save({ messages: [{ role: "assistant", content: "only" }] }),
    ).rejects.toThrow(/no user turn/);
  });
});

describe("playground.compare", () => {
  it("lines up evaluation metrics and evaluation-prompt answers of several versions", async () => {
    const other = (
      await registerModelVersion(database.prisma, {
        modelName: "quiet",
        kind: "SFT",
        artifactDir: "/nowhere",
      })
    ).id;
    const sample = (text: string) => [{ promptId: "p1", prompt: "Say hi", seed: 7, text }];
    for (const [id, loss, text] of [
      [versionId, 2.5, "hi!"],
      [other, 3.1, "hello"],
    ] as const)
      await database.prisma.modelEvaluation.create({
        data: {
          versionId: id,
          status: "SUCCEEDED",
          finishedAt: new Date(),
          metrics: { "eval/perplexity": loss },
          samples: sample(text),
        },
      });
    const result = await alice.playground.compare({ versionIds: [versionId, other] });
    expect(result.versions.map((v) => v.name)).toEqual(["chatty v1", "quiet v1"]);
    expect(result.metrics).toEqual([{ name: "eval/perplexity", values: [2.5, 3.1] }]);
    expect(result.samples).toEqual([{ prompt: "Say hi", seed: 7, answers: ["hi!", "hello"] }]);
    await expect(alice.playground.compare({ versionIds: [versionId, versionId] })).rejects.toThrow(
      /two different versions/,
    );
    await expect(alice.playground.compare({ versionIds: [versionId, "gone"] })).rejects.toThrow(
      /no model version gone/,
    );
  });
});
