// Registering model versions: numbers 1, 2, ... per model, assigned race-free (the unique (model, version)
// index decides; a loser retries with the next number), and idempotent per run (a retried run registers once).
import type { ModelKind } from "@rlhf/shared";
import { Prisma, type ModelVersion, type PrismaClient } from "../index";
import { modelCard } from "./card";

export interface RegisterVersionInput {
  modelName: string;
  kind: ModelKind;
  /** The Hugging Face-loadable checkpoint folder. */
  artifactDir: string;
  runId?: string | null;
  snapshotId?: string | null;
  parentVersionId?: string | null;
  exportDir?: string | null;
  architecture?: Record<string, unknown> | null;
  /** Markdown; generated from the lineage when omitted. */
  card?: string;
  /** Who registered it (imports); a run's versions are attributed through the run. */
  actorId?: string | null;
  /** Hyper-parameters shown on the generated card. */
  config?: unknown;
}

const MAX_ATTEMPTS = 8;

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

/**
 * Adds the next version of `modelName` (creating the model on first use). A model keeps one kind: registering an
 * SFT output under a base model's name is refused. Registering twice for one run returns the first version.
 */
export async function registerModelVersion(
  prisma: PrismaClient,
  input: RegisterVersionInput,
): Promise<ModelVersion> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(async (tx) => {
        if (input.runId) {
          const existing = await tx.modelVersion.findUnique({ where: { runId: input.runId } });
          if (existing) return existing;
        }
        const model = await tx.model.upsert({
          where: { name: input.modelName },
          create: { name: input.modelName, kind: input.kind, createdById: input.actorId ?? null },
          update: {},
        });
        if (model.kind !== input.kind)
          throw new Error(
            `modelName: "${input.modelName}" is a ${model.kind} model; a ${input.kind} model needs another name`,
          );
        const last = await tx.modelVersion.aggregate({
          where: { modelId: model.id },
          _max: { version: true },
        });
        const version = (last._max.version ?? 0) + 1;
        const [snapshot, parent] = await Promise.all([
          input.snapshotId ? tx.datasetSnapshot.findUnique({ where: { id: input.snapshotId } }) : null,
          input.parentVersionId
            ? tx.modelVersion.findUnique({ where: { id: input.parentVersionId }, include: { model: true } })
            : null,
        ]);
        return tx.modelVersion.create({
          data: {
            modelId: model.id,
            version,
            runId: input.runId ?? null,
            snapshotId: input.snapshotId ?? null,
            parentVersionId: input.parentVersionId ?? null,
            artifactDir: input.artifactDir,
            exportDir: input.exportDir ?? null,
            architecture: (input.architecture ?? undefined) as Prisma.InputJsonValue | undefined,
            card:
              input.card ??
              modelCard({
                name: input.modelName,
                version,
                kind: input.kind,
                runId: input.runId ?? null,
                snapshot: snapshot && { id: snapshot.id, name: snapshot.name },
                parent: parent && { name: parent.model.name, version: parent.version },
                architecture: input.architecture ?? null,
                config: input.config,
              }),
          },
        });
      });
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Points alias `name` (champion, candidate, ...) of the version's model at the version, creating it on first
 * use; the move (from which version to which) is written to the AuditLog in the same transaction.
 */
export async function moveAlias(
  prisma: PrismaClient,
  input: { versionId: string; alias: string; actorId: string | null },
) {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(input.alias))
    throw new Error(`alias: "${input.alias}" is not a valid alias (lower-case letters, digits and '-')`);
  return prisma.$transaction(async (tx) => {
    const version = await tx.modelVersion.findUnique({ where: { id: input.versionId } });
    if (!version) throw new Error(`versionId: no model version ${input.versionId}`);
    const key = { modelId_name: { modelId: version.modelId, name: input.alias } };
    const before = await tx.modelAlias.findUnique({ where: key });
    const alias = await tx.modelAlias.upsert({
      where: key,
      create: { modelId: version.modelId, name: input.alias, versionId: version.id },
      update: { versionId: version.id },
    });
    await tx.auditLog.create({
      data: {
        actorId: input.actorId,
        action: "model.alias.move",
        target: `model:${version.modelId}`,
        details: { alias: input.alias, fromVersionId: before?.versionId ?? null, toVersionId: version.id },
      },
    });
    return alias;
  });
}
