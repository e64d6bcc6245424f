/**
 * Admin data flows: JSONL import (idempotent by content hash) and frozen dataset snapshots written to the
 * artifact store. Snapshot files are written before the row exists, and the row is never updated (a trigger
 * refuses it), so a snapshot a run names can never change.
 */
import { TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { z } from "zod";
import type { Prisma } from "@rlhf/db";
import { explainEmptySnapshotFiles, isEvalPrompt } from "@rlhf/shared";
import type { ChatMessage } from "./content";
import { idempotentWrite, storedResult, type Tx } from "./idempotency";
import type { createSnapshotInput, importJsonlInput, SnapshotFilters, snapshotFileInput } from "./inputs";
import { explanationsOf } from "../runs/inputOptions";
import { parseImportJsonl } from "./jsonlImport";
import { withArenaVotes } from "../arena/snapshot";
import { buildSnapshotExport, type ExportPrompt } from "./snapshotExport";
import type { Actor, AnnotationContext } from "./submissions";

/** Where snapshots are written: ARTIFACTS_DIR, or .artifacts under the directory the server runs in. */
export function artifactsDir(): string {
  return resolve(process.env.ARTIFACTS_DIR ?? ".artifacts");
}

export async function importJsonl(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof importJsonlInput>,
) {
  const parsed = parseImportJsonl(input.fileText);
  return idempotentWrite(
    ctx.prisma,
    { userId: actor.id, submissionId: input.submissionId, procedure: "importJsonl" },
    async (tx) => {
      const prompts = await tx.prompt.createMany({
        data: parsed.records.map((record) => ({
          messages: record.messages,
          language: record.language,
          source: record.source === "synthetic" ? ("SYNTHETIC" as const) : ("IMPORTED" as const),
          reviewState: "ACCEPTED" as const,
          importHash: record.contentHash,
        })),
        skipDuplicates: true,
      });
      const ids = await tx.prompt.findMany({
        where: { importHash: { in: parsed.records.map((r) => r.contentHash) } },
        select: { id: true, importHash: true },
      });
      const promptIdByHash = new Map(ids.map((p) => [p.importHash!, p.id]));
      const responses = await tx.response.createMany({
        data: parsed.records.flatMap((record) =>
          record.responses.map((response) => ({
            promptId: promptIdByHash.get(record.contentHash)!,
            text: response.text,
            kind: response.modelName ? ("MODEL" as const) : ("IMPORTED" as const),
            modelName: response.modelName,
            reviewState: "ACCEPTED" as const,
            importHash: response.contentHash,
          })),
        ),
        skipDuplicates: true,
      });
      const totalResponses = parsed.records.reduce((n, r) => n + r.responses.length, 0);
      const summary = {
        promptsCreated: prompts.count,
        promptsAlreadyPresent: parsed.records.length - prompts.count,
        responsesCreated: responses.count,
        responsesAlreadyPresent: totalResponses - responses.count,
        errors: parsed.errors.slice(0, 200),
        errorCount: parsed.errors.length,
        repeatedLines: parsed.repeatedLines.length,
      };
      await tx.auditLog.create({
        data: {
          actorId: actor.id,
          action: "dataset.import",
          details: { ...summary, errors: summary.errors.slice(0, 20) },
        },
      });
      return summary;
    },
  );
}

function promptWhere(filters: SnapshotFilters): Prisma.PromptWhereInput {
  return {
    hiddenAt: null,
    reviewState: { in: filters.reviewStates },
    ...(filters.languages.length > 0 && { language: { in: filters.languages } }),
    ...(filters.sources.length > 0 && { source: { in: filters.sources } }),
    createdAt: {
      ...(filters.createdFrom && { gte: new Date(filters.createdFrom) }),
      ...(filters.createdTo && { lte: new Date(filters.createdTo) }),
    },
  };
}

/** The data a snapshot with these filters contains, in the shape the exporters take. */
export async function selectSnapshotData(db: Tx, filters: SnapshotFilters): Promise<ExportPrompt[]> {
  const prompts = await db.prompt.findMany({
    where: promptWhere(filters),
    include: {
      responses: { where: { hiddenAt: null, reviewState: { in: filters.reviewStates } } },
      rankings: { select: { order: true } },
    },
  });
  return prompts.map((p) => ({
    id: p.id,
    messages: p.messages as unknown as ChatMessage[],
    // Model outputs are ranked, not imitated: only human and imported answers are demonstrations.
    responses: p.responses.map((r) => ({ id: r.id, text: r.text, sft: r.kind !== "MODEL" })),
    rankings: p.rankings.map((r) => r.order as string[][]),
  }));
}

export async function createSnapshot(
  ctx: AnnotationContext,
  actor: Actor,
  input: z.infer<typeof createSnapshotInput>,
): Promise<SnapshotCreated> {
  const request = { userId: actor.id, submissionId: input.submissionId, procedure: "createSnapshot" };
  // A retry gets the first snapshot back without exporting again.
  const earlier = await storedResult<SnapshotCreated>(ctx.prisma, request);
  if (earlier) return earlier.result;
  const id = randomUUID();
  const dir = join(artifactsDir(), "snapshots", id);
  try {
    const result = await idempotentWrite(ctx.prisma, request, (tx) =>
      writeSnapshot(tx, actor, input, id, dir),
    );
    // A concurrent repeat of the same request: the other one's snapshot is the one kept.
    if (result.snapshotId !== id) await rm(dir, { recursive: true, force: true });
    return result;
  } catch (error) {
    // Files of a snapshot whose row was never committed would be orphans nobody can list or read.
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

type SnapshotCreated = Awaited<ReturnType<typeof writeSnapshot>>;

async function writeSnapshot(
  tx: Tx,
  actor: Actor,
  input: z.infer<typeof createSnapshotInput>,
  id: string,
  dir: string,
) {
  const selected = await selectSnapshotData(tx, input.filters);
  // The platform's evaluation prompts never enter a snapshot, so no model trains on what it is evaluated on.
  const data = selected.filter((prompt) => !isEvalPrompt(prompt.messages));
  const annotations = buildSnapshotExport(data);
  // Arena votes join the preference data (server/arena/snapshot.ts).
  const exported = await withArenaVotes(tx, input.filters, annotations);
  const files = exported.files.map(({ name, lines, sha256 }) => ({ name, lines, sha256 }));
  const demonstrations = data.reduce((n, p) => n + p.responses.filter((r) => r.sft).length, 0);
  const manifest = {
    id,
    name: input.name,
    filters: input.filters,
    counts: exported.counts,
    contentHash: exported.contentHash,
    files,
    evalPromptsExcluded: selected.length - data.length,
    explanations: explainEmptySnapshotFiles({
      ...annotations.counts,
      preference: exported.counts.preference,
      demonstrations,
    }),
  };
  // Written to a temporary directory and renamed, so a crash never leaves a half-written snapshot in place.
  const staging = `${dir}.partial`;
  await mkdir(staging, { recursive: true });
  try {
    for (const file of exported.files) await writeFile(join(staging, file.name), file.content);
    await writeFile(join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await tx.datasetSnapshot.create({
    data: {
      id,
      name: input.name,
      filters: input.filters,
      counts: exported.counts,
      files,
      contentHash: exported.contentHash,
      artifactPath: dir,
      createdById: actor.id,
    },
  });
  await tx.auditLog.create({
    data: {
      actorId: actor.id,
      action: "dataset.snapshot",
      target: `snapshot:${id}`,
      details: exported.counts,
    },
  });
  return { snapshotId: id, counts: exported.counts, contentHash: exported.contentHash };
}

export async function listSnapshots(ctx: AnnotationContext) {
  const rows = await ctx.prisma.datasetSnapshot.findMany({
    orderBy: { createdAt: "desc" },
    take: 100,
    include: { createdBy: { select: { name: true } } },
  });
  return rows.map((s) => ({
    id: s.id,
    name: s.name,
    filters: s.filters as SnapshotFilters,
    counts: s.counts as Record<string, number>,
    files: s.files as { name: string; lines: number; sha256: string }[],
    /** Why a file is empty, by file name (from the manifest). */
    explanations: explanationsOf(s.artifactPath),
    contentHash: s.contentHash,
    createdBy: s.createdBy?.name ?? null,
    createdAt: s.createdAt.toISOString(),
  }));
}

export async function readSnapshotFile(ctx: AnnotationContext, input: z.infer<typeof snapshotFileInput>) {
  const snapshot = await ctx.prisma.datasetSnapshot.findUnique({ where: { id: input.snapshotId } });
  if (!snapshot)
    throw new TRPCError({ code: "NOT_FOUND", message: `snapshotId: no snapshot ${input.snapshotId}` });
  const content = await readFile(join(snapshot.artifactPath, input.file), "utf8");
  return { name: input.file, content };
}
