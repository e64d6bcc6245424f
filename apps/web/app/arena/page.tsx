import { requireUser } from "@/server/auth";
import { Arena } from "@/components/arena/Arena";

export default async function ArenaPage() {
  const user = await requireUser("/arena");
  return <Arena isAdmin={user.role === "ADMIN"} />;
}
