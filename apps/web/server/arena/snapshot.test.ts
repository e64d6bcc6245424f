import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { testCallers, type Caller } from "../api/test-callers";
import { freezeSnapshot } from "../api/test-fixtures";
import { toJsonl, type FastChatBattle } from "./fastchat";
import { arenaTrainingLines, type VotedBattle } from "./snapshot";

const user = (content: string) => ({ role: "user" as const, content });
const bot = (content: string) => ({ role: "assistant" as const, content });

const single = (id: string, vote: VotedBattle["vote"]): VotedBattle => ({
  id,
  vote,
  conversationA: [user("q"), bot("answer a")],
  conversationB: [user("q"), bot("answer b")],
});

describe("arenaTrainingLines", () => {
  it("turns A/B votes into chosen/rejected pairs, skips ties and labels both-bad answers negative", () => {
    const lines = arenaTrainingLines([single("3", "BOTH_BAD"), single("2", "TIE"), single("1", "B")]);
    expect(lines.preference.map((l) => JSON.parse(l))).toEqual([
      { prompt: "q", chosen: "answer b", rejected: "answer a" },
    ]);
    expect(lines.negative.map((l) => JSON.parse(l))).toEqual([
      { prompt: "q", completion: "answer a", label: false },
      { prompt: "q", completion: "answer b", label: false },
    ]);
  });

  it("writes a multi-turn battle in TRL's conversational form, each side's continuation whole", () => {
    const battle: VotedBattle = {
      id: "m",
      vote: "A",
      conversationA: [user("q1"), bot("a1"), user("q2"), bot("a2")],
      conversationB: [user("q1"), bot("b1"), user("q2"), bot("b2")],
    };
    expect(JSON.parse(arenaTrainingLines([battle]).preference[0])).toEqual({
      prompt: [user("q1")],
      chosen: [bot("a1"), user("q2"), bot("a2")],
      rejected: [bot("b1"), user("q2"), bot("b2")],
    });
  });
});

describe("snapshots with arena votes", () => {
  let database: TestDatabase;
  let admin: Caller;
  let artifacts: string;

  beforeAll(async () => {
    artifacts = mkdtempSync(join(tmpdir(), "arena-snapshot-"));
    process.env.ARTIFACTS_DIR = artifacts;
    database = await createTestDatabase();
    admin = (await testCallers(database.prisma).person("ADMIN")).api;
  });

  afterAll(async () => {
    await database?.drop();
    rmSync(artifacts, { recursive: true, force: true });
  });

  it("adds counted votes to preference.jsonl, both-bad to negative.jsonl, and counts them per source", async () => {
    const empty = await database.prisma.datasetSnapshot.findUniqueOrThrow({
      where: { id: await freezeSnapshot(admin, "before the arena") },
    });
    const battle = (winner: FastChatBattle["winner"], tstamp: number): FastChatBattle => ({
      model_a: "m1",
      model_b: "m2",
      winner,
      judge: "someone",
      conversation_a: [user("which is best?"), bot("mine")],
      conversation_b: [user("which is best?"), bot("theirs")],
      turn: 1,
      anony: true,
      tstamp,
    });
    await admin.arena.import({
      fileText: toJsonl([battle("model_a", 1), battle("tie", 2), battle("tie (bothbad)", 3)]),
    });
    const id = await freezeSnapshot(admin, "with the arena");
    const snapshot = await database.prisma.datasetSnapshot.findUniqueOrThrow({ where: { id } });
    expect(snapshot.counts).toMatchObject({
      preference: 1,
      "preference/rankings": 0,
      "preference/arena": 1,
      "negative/arena": 2,
    });
    expect(snapshot.contentHash).not.toBe(empty.contentHash);
    const read = (name: string) =>
      readFileSync(join(snapshot.artifactPath, name), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
    expect(read("preference.jsonl")).toEqual([
      { prompt: "which is best?", chosen: "mine", rejected: "theirs" },
    ]);
    expect(read("negative.jsonl")).toHaveLength(2);
    const manifest = JSON.parse(readFileSync(join(snapshot.artifactPath, "manifest.json"), "utf8"));
    expect(manifest.counts["preference/arena"]).toBe(1);
    expect(manifest.files.map((f: { name: string }) => f.name)).toContain("negative.jsonl");
  });
});
