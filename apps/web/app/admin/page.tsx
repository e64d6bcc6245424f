import { redirect } from "next/navigation";
import { db } from "@rlhf/db";
import { People } from "@/components/annotation/People";
import { requireUser } from "@/server/auth";
import { log } from "@/server/log";
import { trainingQueue } from "@/server/queue";
import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";

export const dynamic = "force-dynamic";

export default async function AdminPage() {
  const user = await requireUser("/admin");
  if (user.role !== "ADMIN") redirect("/runs?denied=admin");
  // The same procedures as the API, so their role checks apply here too.
  const api = createCaller(createContext({ userId: user.id, prisma: db(), queue: trainingQueue, log }));
  const audit = await api.admin.auditLog();
  return (
    <>
      <People />
      <section className="card">
        <h2>Audit log</h2>
        {audit.length === 0 && <p className="muted">Nothing yet.</p>}
        <ul className="plain">
          {audit.map((entry) => (
            <li key={String(entry.id)}>
              <span className="mono small">{entry.createdAt.toISOString()}</span>{" "}
              {entry.actor?.email ?? "system"} {entry.action} <span className="mono">{entry.target}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
