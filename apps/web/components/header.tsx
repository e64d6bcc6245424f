"use client";

import Link from "next/link";
import { signOut } from "next-auth/react";
import type { Session } from "next-auth";

export function Header({ user }: { user: Session["user"] | null }) {
  return (
    <header className="header">
      <Link href="/runs" className="brand">
        RLHF platform
      </Link>
      {user && (
        <nav className="nav">
          <Link href="/runs">Runs</Link>
          <Link href="/models">Models</Link>
          <Link href="/playground">Playground</Link>
          <Link href="/arena">Arena</Link>
          <Link href="/compare">Compare</Link>
          <Link href="/annotate">Annotate</Link>
          {user.role === "ADMIN" && <Link href="/admin">Admin</Link>}
          <Link href="/account" className="muted user" title={user.email}>
            {user.name} · {user.role.toLowerCase()}
          </Link>
          <button className="button secondary" onClick={() => signOut({ callbackUrl: "/signin" })}>
            Sign out
          </button>
        </nav>
      )}
    </header>
  );
}
