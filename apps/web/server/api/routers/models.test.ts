import { TRPCError } from "@trpc/server";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { x as extract } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { EVALUATION_METRICS as M } from "@rlhf/shared";
import { createEvaluationQueue, type EvaluationQueue } from "@rlhf/shared/queue";
import { folderArchive } from "../../registry/archive";
import { testCallers, type Caller } from "../test-callers";
import { freezeSnapshot, demonstrationsJsonl, registerFolder, writeModelFolder } from "../test-fixtures";

let database: TestDatabase;
let evaluations: EvaluationQueue;
let callers: ReturnType<typeof testCallers>;
let artifacts: string;
let admin: Caller;
let annotator: Caller;
let base1: string;
let base2: string;
let sft: string;
let runId: string;

const SAMPLE = { promptId: "p1", prompt: "Say hi.", seed: 7 };

beforeAll(async () => {
  artifacts = mkdtempSync(join(tmpdir(), "models-router-"));
  process.env.ARTIFACTS_DIR = artifacts;
  database = await createTestDatabase();
  evaluations = createEvaluationQueue(testQueueBackend());
  callers = testCallers(database.prisma, undefined, () => evaluations);
  admin = (await callers.person("ADMIN")).api;
  annotator = (await callers.person("ANNOTATOR")).api;
  const prisma = database.prisma;
  const snapshotId = await freezeSnapshot(admin, "registry data", demonstrationsJsonl(4, "reg"));
  base1 = await registerFolder(prisma, writeModelFolder(join(artifacts, "b1")), "tiny-base");
  base2 = await registerFolder(prisma, writeModelFolder(join(artifacts, "b2")), "tiny-base");
  const run = await prisma.trainingRun.create({
    data: { kind: "sft", config: {}, status: "SUCCEEDED", snapshotId, baseModelVersionId: base1 },
  });
  runId = run.id;
  await prisma.runMetric.createMany({
    data: [
      { runId, name: "train/loss", step: 1, value: 3 },
      { runId, name: "train/loss", step: 2, value: 2 },
    ],
  });
  sft = await registerFolder(prisma, writeModelFolder(join(artifacts, "s1")), "chat", "SFT", {
    runId,
    parentVersionId: base1,
    snapshotId,
  });
  await prisma.modelEvaluation.createMany({
    data: [
      {
        versionId: base1,
        status: "SUCCEEDED",
        metrics: { [M.evalSetPerplexity]: 40 },
        samples: [{ ...SAMPLE, text: "hi from base" }],
      },
      {
        versionId: sft,
        status: "SUCCEEDED",
        metrics: { [M.evalSetPerplexity]: 20, [M.winRate]: 0.75, [M.klToParent]: 0.4 },
        samples: [{ ...SAMPLE, text: "hi from sft" }],
      },
    ],
  });
});
afterAll(async () => {
  delete process.env.ARTIFACTS_DIR;
  await evaluations.close();
  await database.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe("models.list and models.get", () => {
  it("list models with their latest version and evaluation, filtered by kind, name and alias", async () => {
    const all = await annotator.models.list();
    expect(all.map((m) => [m.name, m.versionCount]).sort()).toEqual([
      ["chat", 1],
      ["tiny-base", 2],
    ]);
    const chat = (await annotator.models.list({ kind: "SFT" }))[0];
    expect(chat.latest?.evaluation?.metrics[M.winRate]).toBe(0.75);
    expect((await annotator.models.list({ search: "BASE" })).map((m) => m.name)).toEqual(["tiny-base"]);
    expect(await annotator.models.list({ alias: "champion" })).toEqual([]);
    expect((await rejection(callers.anonymous().models.list())).code).toBe("UNAUTHORIZED");
  });

  it("get gives every version, newest first, with lineage facts, card and evaluation", async () => {
    const [chat] = await annotator.models.list({ kind: "SFT" });
    const model = await annotator.models.get({ id: chat.id });
    expect(model.versions).toHaveLength(1);
    const [version] = model.versions;
    expect(version).toMatchObject({
      version: 1,
      run: { id: runId },
      parentVersion: { id: base1, version: 1 },
    });
    expect(version.card).toMatch(/^# chat v1/);
    expect(version.evaluation?.samples).toEqual([{ ...SAMPLE, text: "hi from sft" }]);
    expect((await rejection(annotator.models.get({ id: "missing" }))).code).toBe("NOT_FOUND");
  });
});

describe("models.lineage and models.compare", () => {
  it("lineage goes from the snapshot and run to the version and on to what was built on it", async () => {
    const lineage = await annotator.models.lineage({ versionId: base1 });
    expect(lineage.children.map((child) => child.id)).toEqual([sft]);
    expect(lineage.baseOfRuns.map((run) => run.id)).toEqual([runId]);
    const child = await annotator.models.lineage({ versionId: sft });
    expect(child.ancestors.map((a) => a.id)).toEqual([base1]);
    expect(child.snapshot?.name).toBe("registry data");
    expect((await rejection(annotator.models.lineage({ versionId: "nope" }))).code).toBe("NOT_FOUND");
  });

  it("compare puts both versions' metrics side by side and pairs their samples by prompt and seed", async () => {
    const { metrics, samples } = await annotator.models.compare({ a: base1, b: sft });
    expect(metrics).toEqual([
      { source: "evaluation", name: M.evalSetPerplexity, a: 40, b: 20 },
      { source: "evaluation", name: M.klToParent, a: null, b: 0.4 },
      { source: "evaluation", name: M.winRate, a: null, b: 0.75 },
      { source: "training", name: "train/loss", a: null, b: 2 },
    ]);
    expect(samples).toEqual([{ prompt: "Say hi.", seed: 7, a: "hi from base", b: "hi from sft" }]);
  });
});

describe("aliases and cards", () => {
  it("moves an alias between versions for admins only, auditing each move", async () => {
    expect((await rejection(annotator.models.moveAlias({ versionId: base1, alias: "champion" }))).code).toBe(
      "FORBIDDEN",
    );
    await admin.models.moveAlias({ versionId: base1, alias: "champion" });
    await admin.models.moveAlias({ versionId: base2, alias: "champion" });
    const [model] = await admin.models.list({ alias: "champion" });
    expect(model.aliases).toEqual([{ name: "champion", version: 2 }]);
    const moves = await database.prisma.auditLog.findMany({
      where: { action: "model.alias.move" },
      orderBy: { id: "asc" },
    });
    expect(moves.map((m) => m.details)).toEqual([
      { alias: "champion", fromVersionId: null, toVersionId: base1 },
      { alias: "champion", fromVersionId: base1, toVersionId: base2 },
    ]);
    const bad = await rejection(admin.models.moveAlias({ versionId: base1, alias: "Not OK" }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toMatch(/^alias: /);
  });

  it("lets an admin edit a card", async () => {
    expect((await rejection(annotator.models.updateCard({ versionId: sft, card: "# mine" }))).code).toBe(
      "FORBIDDEN",
    );
    await admin.models.updateCard({ versionId: sft, card: "# Edited\n\nBetter words." });
    const row = await database.prisma.modelVersion.findUniqueOrThrow({ where: { id: sft } });
    expect(row.card).toBe("# Edited\n\nBetter words.");
    expect((await rejection(admin.models.updateCard({ versionId: "nope", card: "x" }))).code).toBe(
      "NOT_FOUND",
    );
  });
});

describe("models.importHuggingFace", () => {
  /** What transformers' save_pretrained writes for a GPT-2 (no engine metadata). */
  function savedByTransformers(dir: string): string {
    writeModelFolder(dir, { chatTokens: false });
    rmSync(join(dir, "engine_config.json"));
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({
        model_type: "gpt2",
        vocab_size: 64,
        n_positions: 128,
        n_embd: 32,
        n_layer: 1,
        n_head: 2,
      }),
    );
    return dir;
  }

  it("copies the folder into the store, registers a base model version and enqueues its evaluation", async () => {
    const source = savedByTransformers(join(artifacts, "hf-gpt2"));
    const imported = await admin.models.importHuggingFace({ path: source, name: "hf-gpt2" });
    expect(imported.version).toBe(1);
    const version = await database.prisma.modelVersion.findUniqueOrThrow({
      where: { id: imported.versionId },
      include: { model: true, evaluations: true },
    });
    expect(version.model.kind).toBe("BASE");
    expect(version.artifactDir.startsWith(join(artifacts, "models"))).toBe(true);
    expect((await readdir(version.artifactDir)).sort()).toEqual((await readdir(source)).sort());
    expect(version.architecture).toMatchObject({ vocabSize: 64, contextLength: 128 });
    expect(version.evaluations).toHaveLength(1);
    expect((await evaluations.getJob(version.evaluations[0].id))?.data).toEqual({
      evaluationId: version.evaluations[0].id,
    });
    expect(await database.prisma.auditLog.count({ where: { action: "model.import" } })).toBe(1);
  });

  it("refuses what transformers could not load, naming the problem, and registers nothing", async () => {
    const before = await database.prisma.modelVersion.count();
    const empty = join(artifacts, "empty");
    await mkdir(empty);
    expect((await rejection(admin.models.importHuggingFace({ path: empty, name: "x" }))).message).toBe(
      `path: ${empty} has no config.json or model.safetensors; save the model with save_pretrained()`,
    );
    expect(
      (await rejection(admin.models.importHuggingFace({ path: "relative/dir", name: "x" }))).message,
    ).toMatch(/not an absolute path/);
    const taken = savedByTransformers(join(artifacts, "taken"));
    const clash = await rejection(admin.models.importHuggingFace({ path: taken, name: "chat" }));
    expect(clash.message).toMatch(/^modelName: "chat" is a SFT model/);
    expect((await rejection(annotator.models.importHuggingFace({ path: taken, name: "mine" }))).code).toBe(
      "FORBIDDEN",
    );
    expect(await database.prisma.modelVersion.count()).toBe(before);
  });
});

describe("downloads", () => {
  it("are for admins and reviewers, and stream the folder as a .tar.gz of one folder without optimizer state", async () => {
    expect((await rejection(annotator.models.archive({ versionId: sft }))).code).toBe("FORBIDDEN");
    const reviewer = (await callers.person("REVIEWER")).api;
    const archive = await reviewer.models.archive({ versionId: sft });
    expect(archive).toEqual({ dir: join(artifacts, "s1"), name: "chat-v1" });

    writeFileSync(join(archive.dir, "optimizer.safetensors"), "state");
    const out = mkdtempSync(join(tmpdir(), "unpacked-"));
    await pipeline(
      Readable.fromWeb((await folderArchive(archive.dir, archive.name)) as NodeReadableStream),
      extract({ cwd: out }),
    );
    expect(await readdir(out)).toEqual(["chat-v1"]);
    expect((await readdir(join(out, "chat-v1"))).sort()).toEqual([
      "config.json",
      "engine_config.json",
      "model.safetensors",
      "tokenizer.json",
    ]);
    rmSync(out, { recursive: true, force: true });
  });
});
