import { AnnotationNav } from "@/components/annotation/AnnotationNav";
import { requireUser } from "@/server/auth";
import "@/components/annotation/annotation.css";

export const dynamic = "force-dynamic";

export default async function AnnotateLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser("/annotate");
  return (
    <>
      <AnnotationNav role={user.role} />
      {children}
    </>
  );
}
