import { requireUser } from "@/server/auth";
import { RunDetail } from "@/components/run-detail";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/runs/${id}`);
  // The buttons are only a convenience: training.cancel and training.resume refuse non-admins themselves.
  return <RunDetail id={id} canControl={user.role === "ADMIN"} />;
}
