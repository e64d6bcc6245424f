import { requireUser } from "@/server/auth";
import { RunList } from "@/components/run-list";

export default async function RunsPage({ searchParams }: { searchParams: Promise<{ denied?: string }> }) {
  const user = await requireUser("/runs");
  const { denied } = await searchParams;
  return (
    <>
      {denied && (
        <p className="notice" role="status">
          That page needs the {denied.toUpperCase()} role.
        </p>
      )}
      <RunList isAdmin={user.role === "ADMIN"} />
    </>
  );
}
