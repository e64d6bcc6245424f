import { TRPCError } from "@trpc/server";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@rlhf/db/test-support";
import { sid, testCallers } from "../test-callers";

let database: TestDatabase;
let people: ReturnType<typeof testCallers>;
let artifacts: string;

beforeAll(async () => {
  artifacts = mkdtempSync(join(tmpdir(), "snapshots-"));
  process.env.ARTIFACTS_DIR = artifacts;
  process.env.ANNOTATION_POLICY = JSON.stringify({ writesPerMinute: 1000 });
  database = await createTestDatabase();
  people = testCallers(database.prisma);
});
afterAll(async () => {
  delete process.env.ARTIFACTS_DIR;
  delete process.env.ANNOTATION_POLICY;
  await database.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

async function errorOf(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

const importFile = [
  JSON.stringify({
    prompt: "Name a prime.",
    responses: [
      { text: "Two.", model: "m" },
      { text: "Seven.", model: "m" },
      { text: "Nine.", model: "m" },
    ],
  }),
  "{ broken",
  JSON.stringify({
    messages: [{ role: "user", content: "Hi" }],
    language: "de",
    responses: [{ text: "Hallo!" }],
  }),
  JSON.stringify({ prompt: "No language", language: "xx_YY" }),
].join("\n");

describe("datasets router", () => {
  it("is FORBIDDEN to annotators and reviewers", async () => {
    for (const role of ["ANNOTATOR", "REVIEWER"] as const) {
      const { api } = await people.person(role);
      expect(
        (await errorOf(api.datasets.importJsonl({ submissionId: sid(), fileText: importFile }))).code,
      ).toBe("FORBIDDEN");
      expect((await errorOf(api.datasets.snapshots())).code).toBe("FORBIDDEN");
      expect((await errorOf(api.datasets.setRole({ userId: "x", role: "ADMIN" }))).code).toBe("FORBIDDEN");
    }
  });

  it("imports the good lines, reports the bad ones by number, and duplicates nothing on a second import", async () => {
    const { api } = await people.person("ADMIN");
    const first = await api.datasets.importJsonl({ submissionId: sid(), fileText: importFile });
    expect(first).toMatchObject({ promptsCreated: 2, responsesCreated: 4, errorCount: 2 });
    expect(first.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(first.errors[1].message).toMatch(/^language: /);

    const second = await api.datasets.importJsonl({ submissionId: sid(), fileText: importFile });
    expect(second).toMatchObject({
      promptsCreated: 0,
      promptsAlreadyPresent: 2,
      responsesCreated: 0,
      responsesAlreadyPresent: 4,
    });
    expect(await database.prisma.prompt.count()).toBe(2);
    expect(await database.prisma.response.count()).toBe(4);
    const german = await database.prisma.prompt.findFirstOrThrow({
      where: { language: "de" },
      include: { responses: true },
    });
    expect(german.responses[0]).toMatchObject({ kind: "IMPORTED", modelName: null, reviewState: "ACCEPTED" });
  });

  it("freezes a snapshot whose preference file expands the consensus ranking and skips ties", async () => {
    const admin = await people.person("ADMIN");
    const prime = await database.prisma.prompt.findFirstOrThrow({
      where: { language: "en" },
      include: { responses: true },
    });
    const byText = Object.fromEntries(prime.responses.map((r) => [r.text, r.id]));
    for (const order of [
      [[byText["Two."]], [byText["Seven."], byText["Nine."]]],
      [[byText["Two."]], [byText["Nine."], byText["Seven."]]],
    ]) {
      const ranker = await people.person("ANNOTATOR");
      await database.prisma.ranking.create({ data: { promptId: prime.id, userId: ranker.user.id, order } });
    }
    const made = await admin.api.datasets.createSnapshot({
      submissionId: sid(),
      name: "first",
      filters: { languages: ["en"] },
    });
    expect(made.counts).toMatchObject({ prompts: 1, responses: 3, rankings: 2, preference: 2, sft: 0 });

    const preference = await admin.api.datasets.snapshotFile({
      snapshotId: made.snapshotId,
      file: "preference.jsonl",
    });
    const pairs = preference.content
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(pairs).toHaveLength(2);
    expect(pairs).toEqual(
      expect.arrayContaining([
        { prompt: "Name a prime.", chosen: "Two.", rejected: "Nine." },
        { prompt: "Name a prime.", chosen: "Two.", rejected: "Seven." },
      ]),
    );

    const everything = await admin.api.datasets.createSnapshot({
      submissionId: sid(),
      name: "all",
      filters: {},
    });
    expect(everything.counts).toMatchObject({ prompts: 2, sft: 1, text: 1 });
    const sft = await admin.api.datasets.snapshotFile({
      snapshotId: everything.snapshotId,
      file: "sft.jsonl",
    });
    expect(JSON.parse(sft.content)).toEqual({
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hallo!" },
      ],
    });

    const listed = await admin.api.datasets.snapshots();
    expect(listed.map((s) => s.name)).toEqual(["all", "first"]);
    expect(listed[1].contentHash).toBe(made.contentHash);
    const manifest = JSON.parse(
      (await admin.api.datasets.snapshotFile({ snapshotId: made.snapshotId, file: "manifest.json" })).content,
    );
    expect(manifest.contentHash).toBe(made.contentHash);
  });

  it("answers a retried or doubled snapshot request with one snapshot and one folder", async () => {
    const admin = await people.person("ADMIN");
    const folders = () => readdirSync(join(artifacts, "snapshots")).sort();
    const before = folders();
    const request = { submissionId: sid(), name: "retried", filters: { languages: ["de"] } };
    const [first, doubled] = await Promise.all([
      admin.api.datasets.createSnapshot(request),
      admin.api.datasets.createSnapshot(request),
    ]);
    const retried = await admin.api.datasets.createSnapshot(request);
    expect(doubled.snapshotId).toBe(first.snapshotId);
    expect(retried.snapshotId).toBe(first.snapshotId);
    expect(folders()).toEqual([...before, first.snapshotId].sort());
    expect(await database.prisma.datasetSnapshot.count({ where: { name: "retried" } })).toBe(1);
  });

  it("refuses to change a snapshot row once written", async () => {
    const snapshot = await database.prisma.datasetSnapshot.findFirstOrThrow();
    await expect(
      database.prisma.datasetSnapshot.update({ where: { id: snapshot.id }, data: { name: "renamed" } }),
    ).rejects.toThrow(/immutable/);
  });

  it("lets an admin change roles, audited, but not their own", async () => {
    const admin = await people.person("ADMIN");
    const ann = await people.person("ANNOTATOR");
    await admin.api.datasets.setRole({ userId: ann.user.id, role: "REVIEWER" });
    expect((await database.prisma.user.findUniqueOrThrow({ where: { id: ann.user.id } })).role).toBe(
      "REVIEWER",
    );
    expect(
      await database.prisma.auditLog.count({ where: { action: "user.role", target: `user:${ann.user.id}` } }),
    ).toBe(1);
    expect(
      (await errorOf(admin.api.datasets.setRole({ userId: admin.user.id, role: "ANNOTATOR" }))).code,
    ).toBe("BAD_REQUEST");
  });
});
