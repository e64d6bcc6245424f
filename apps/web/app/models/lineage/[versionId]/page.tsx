import { requireUser } from "@/server/auth";
import { Lineage } from "@/components/models/Lineage";

export default async function LineagePage({ params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  await requireUser(`/models/lineage/${versionId}`);
  return <Lineage versionId={versionId} />;
}
