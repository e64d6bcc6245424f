import { requireUser } from "@/server/auth";
import { ModelList } from "@/components/models/ModelList";

export default async function ModelsPage() {
  const user = await requireUser("/models");
  return <ModelList isAdmin={user.role === "ADMIN"} />;
}
