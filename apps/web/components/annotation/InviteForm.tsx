"use client";

import { useState } from "react";
import { ROLES, type Role } from "@rlhf/shared";
import { trpc } from "@/lib/trpc";
import { errorText } from "./errorText";

/** An admin invites someone: the one-time link is shown once, to hand over (there is no mail server). */
export function InviteForm() {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("ANNOTATOR");
  const invite = trpc.account.createInvite.useMutation();
  const link = invite.data ? `${window.location.origin}${invite.data.path}` : null;
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        invite.mutate({ email, role });
      }}
    >
      <h2>Invite someone</h2>
      <label>
        Invitee email
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Invitee role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <button className="button" type="submit" disabled={invite.isPending}>
        Create invitation link
      </button>
      <p role="alert" className="error">
        {errorText(invite.error)}
      </p>
      {link && (
        <p>
          One-time link for {invite.data!.email} (valid until {invite.data!.expiresAt.toLocaleString()}):{" "}
          <output aria-label="Invitation link">{link}</output>
        </p>
      )}
    </form>
  );
}
