import type { Role } from "@rlhf/shared";

declare module "next-auth" {
  interface User {
    role: Role;
    /** The person's session version when they signed in (see server/auth.ts). */
    sv: number;
  }
  interface Session {
    user: { id: string; email: string; name: string; role: Role; sessionVersion: number };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    role?: Role;
    sv?: number;
  }
}
