"use client";

import { trpc } from "@/lib/trpc";
import { ROLES } from "@rlhf/shared";
import { errorText } from "./errorText";
import { InviteForm } from "./InviteForm";

export function People() {
  const users = trpc.admin.users.useQuery();
  const utils = trpc.useUtils();
  const setRole = trpc.datasets.setRole.useMutation({ onSuccess: () => utils.admin.users.invalidate() });
  if (users.isLoading) return <p className="muted">Loading…</p>;
  if (users.error) return <p className="error">{errorText(users.error)}</p>;
  return (
    <section className="card">
      <h1>People and roles</h1>
      <p role="alert" className="error">
        {errorText(setRole.error)}
      </p>
      <div className="scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {users.data!.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>
                  <select
                    aria-label={`Role of ${u.name}`}
                    value={u.role}
                    onChange={(e) =>
                      setRole.mutate({ userId: u.id, role: e.target.value as (typeof ROLES)[number] })
                    }
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r.toLowerCase()}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <InviteForm />
    </section>
  );
}
