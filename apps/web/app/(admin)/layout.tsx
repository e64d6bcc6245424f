import { redirect } from "next/navigation";
import { AnnotationNav } from "@/components/annotation/AnnotationNav";
import { requireUser } from "@/server/auth";
import "@/components/annotation/annotation.css";

export const dynamic = "force-dynamic";

// The pages are hidden from non-admins; the datasets procedures refuse them on the server regardless.
export default async function DatasetsLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser("/datasets");
  if (user.role !== "ADMIN") redirect("/annotate?denied=admin");
  return (
    <>
      <AnnotationNav role={user.role} />
      {children}
    </>
  );
}
