import { requireUser } from "@/server/auth";
import { RunDetail } from "@/components/run-detail";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireUser(`/runs/${id}`);
  return <RunDetail id={id} />;
}
