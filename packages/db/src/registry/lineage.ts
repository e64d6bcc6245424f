// Lineage queries for the registry pages: snapshot -> run -> model version -> child runs and versions.
import type { PrismaClient } from "../index";

const versionSummary = {
  id: true,
  version: true,
  createdAt: true,
  runId: true,
  model: { select: { id: true, name: true, kind: true } },
} as const;

/**
 * A version's lineage: its ancestors (parent first, up to the root), the run and snapshot that made it, and
 * what was built on it (versions whose parent it is, runs that start from it or use it as their reward model).
 */
export async function versionLineage(prisma: PrismaClient, versionId: string) {
  const version = await prisma.modelVersion.findUnique({
    where: { id: versionId },
    select: {
      ...versionSummary,
      parentVersionId: true,
      snapshot: { select: { id: true, name: true, counts: true, createdAt: true } },
      run: { select: { id: true, kind: true, status: true, createdAt: true, finishedAt: true } },
      children: { select: versionSummary, orderBy: { createdAt: "asc" } },
      baseOfRuns: {
        select: { id: true, kind: true, status: true, createdAt: true },
        orderBy: { createdAt: "asc" },
      },
      rewardOfRuns: {
        select: { id: true, kind: true, status: true, createdAt: true },
        orderBy: { createdAt: "asc" },
      },
    },
  });
  if (!version) throw new Error(`versionId: no model version ${versionId}`);
  const ancestors = [];
  const seen = new Set([version.id]);
  let parentId = version.parentVersionId;
  while (parentId && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = await prisma.modelVersion.findUniqueOrThrow({
      where: { id: parentId },
      select: { ...versionSummary, parentVersionId: true, snapshotId: true },
    });
    ancestors.push(parent);
    parentId = parent.parentVersionId;
  }
  return { ...version, ancestors };
}
