"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import { errorText } from "./errorText";

export function AcceptInvite({ token }: { token: string }) {
  const invite = trpc.account.invite.useQuery({ token }, { retry: false });
  const accept = trpc.account.acceptInvite.useMutation();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  if (invite.isLoading) return <p className="muted">Loading…</p>;
  if (invite.error) return <p className="error">{errorText(invite.error)}</p>;
  if (accept.data)
    return (
      <p>
        Your account {accept.data.email} is ready. <a href="/signin">Sign in</a>.
      </p>
    );
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        accept.mutate({ token, name, password });
      }}
    >
      <p>
        Invited as <strong>{invite.data!.email}</strong> ({invite.data!.role.toLowerCase()}).
      </p>
      <label>
        Your name
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Choose a password
        <input
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button className="button" type="submit" disabled={accept.isPending}>
        Create my account
      </button>
      <p role="alert" className="error">
        {errorText(accept.error)}
      </p>
    </form>
  );
}
