import { redirect } from "next/navigation";
import { db } from "@rlhf/db";
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
  const [users, audit] = await Promise.all([api.admin.users(), api.admin.auditLog()]);
  return (
    <>
      <section className="card">
        <h1>Users</h1>
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{u.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
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
