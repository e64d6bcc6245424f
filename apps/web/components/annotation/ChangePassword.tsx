"use client";

import { useState } from "react";
import { trpc } from "@/lib/trpc";
import { errorText } from "./errorText";

/** Changing the password ends every session, this one included: the page then goes to sign-in. */
export function ChangePassword() {
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const change = trpc.account.changePassword.useMutation({
    onSuccess: () => window.location.assign("/signin?changed=1"),
  });
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        change.mutate({ currentPassword, newPassword });
      }}
    >
      <h2>Change password</h2>
      <label>
        Current password
        <input
          type="password"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label>
        New password
        <input
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={newPassword}
          onChange={(e) => setNew(e.target.value)}
        />
      </label>
      <button className="button" type="submit" disabled={change.isPending}>
        Change password
      </button>
      <p role="alert" className="error">
        {errorText(change.error)}
      </p>
    </form>
  );
}
