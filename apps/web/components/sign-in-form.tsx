"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";
import { safeCallbackPath } from "@/lib/callbackPath";

/** The sign-in route's error (see SIGN_IN_ERRORS in server/auth.ts) as a sentence. */
function describeSignInError(error: string | null | undefined): string {
  if (error === "service-unavailable")
    return "Sign-in is unavailable right now (the database does not answer). Try again in a minute.";
  const locked = /^locked:(\d+)$/.exec(error ?? "");
  if (locked) return `Too many failed attempts. Try again in ${Math.ceil(Number(locked[1]) / 60)} minute(s).`;
  return "Wrong email or password.";
}

export function SignInForm({ next }: { next: string }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError("");
    const result = await signIn("credentials", {
      email: form.get("email"),
      password: form.get("password"),
      redirect: false,
    });
    if (result?.ok) {
      // A full navigation, so the server-rendered header picks up the new session.
      window.location.assign(safeCallbackPath(next));
    } else {
      setBusy(false);
      setError(describeSignInError(result?.error));
    }
  }

  return (
    <form onSubmit={submit} className="form">
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button className="button" type="submit" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
      <p role="alert" className="error">
        {error}
      </p>
    </form>
  );
}
