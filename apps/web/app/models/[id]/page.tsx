import { requireUser } from "@/server/auth";
import { ModelPage } from "@/components/models/ModelPage";

export default async function ModelRoute({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/models/${id}`);
  // Buttons only: the procedures and the download route check the role themselves.
  return <ModelPage id={id} isAdmin={user.role === "ADMIN"} canDownload={user.role !== "ANNOTATOR"} />;
}
