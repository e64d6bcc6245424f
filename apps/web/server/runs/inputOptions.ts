// What the new-run form offers: frozen snapshots with their counts (and why a file is empty, from the
// snapshot's manifest), and registered model versions to start from or to judge with.
import type { PrismaClient } from "@rlhf/db";
import { readSnapshotManifest } from "@rlhf/db/runs";

/** The manifest's explanations of empty files; none when the snapshot's files are gone or predate them. */
export function explanationsOf(artifactPath: string): Record<string, string> {
  try {
    return (readSnapshotManifest(artifactPath).explanations ?? {}) as Record<string, string>;
  } catch {
    return {};
  }
}

export async function runInputOptions(prisma: PrismaClient) {
  const [snapshots, versions] = await Promise.all([
    prisma.datasetSnapshot.findMany({ orderBy: { createdAt: "desc" }, take: 100 }),
    prisma.modelVersion.findMany({
      orderBy: [{ createdAt: "desc" }],
      take: 200,
      select: {
        id: true,
        version: true,
        architecture: true,
        createdAt: true,
        model: { select: { name: true, kind: true } },
      },
    }),
  ]);
  return {
    snapshots: snapshots.map((s) => ({
      id: s.id,
      name: s.name,
      createdAt: s.createdAt,
      counts: s.counts as Record<string, number>,
      files: s.files as { name: string; lines: number }[],
      explanations: explanationsOf(s.artifactPath),
    })),
    versions: versions.map((v) => ({
      id: v.id,
      label: `${v.model.name} v${v.version}`,
      kind: v.model.kind,
      architecture: v.architecture as Record<string, unknown> | null,
    })),
  };
}
