import { redirect } from "next/navigation";
import { People } from "@/components/annotation/People";
import { QuickStart } from "@/components/runs/QuickStart";
import { requireUser } from "@/server/auth";
import { serverCaller } from "@/server/api/serverCaller";

export const dynamic = "force-dynamic";

export default async function AdminPage() {
  const user = await requireUser("/admin");
  if (user.role !== "ADMIN") redirect("/runs?denied=admin");
  // The same procedures as the API, so their role checks apply here too.
  const api = serverCaller(user.id);
  const audit = await api.admin.auditLog();
  return (
    <>
      <People />
      <QuickStart />
      <section className="card">
        <h2>Audit log</h2>
        {audit.length === 0 && <p className="muted">Nothing yet.</p>}
        <ul className="plain">
          {audit.map((entry) => (
            <li key={String(entry.id)}>
              <span className="mono small">{entry.createdAt.toISOString()}</span>{" "}
              <span title={entry.actor?.email}>{entry.actor?.name ?? "system"}</span> {entry.action}{" "}
              {entry.targetName ?? <span className="mono">{entry.target}</span>}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
