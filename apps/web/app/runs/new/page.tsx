import { redirect } from "next/navigation";
import { requireUser } from "@/server/auth";
import { NewRunForm } from "@/components/runs/NewRunForm";

export default async function NewRunPage() {
  const user = await requireUser("/runs/new");
  // Only a convenience: training.start refuses non-admins itself.
  if (user.role !== "ADMIN") redirect("/runs?denied=admin");
  return <NewRunForm />;
}
