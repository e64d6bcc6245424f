import { redirect } from "next/navigation";
import { AnnotationNav } from "@/components/annotation/AnnotationNav";
import { requireUser } from "@/server/auth";
import "@/components/annotation/annotation.css";

export const dynamic = "force-dynamic";

// The page is hidden from annotators; the review procedures refuse them on the server regardless.
export default async function ReviewLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser("/review");
  if (user.role === "ANNOTATOR") redirect("/annotate?denied=review");
  return (
    <>
      <AnnotationNav role={user.role} />
      {children}
    </>
  );
}
