import bcrypt from "bcryptjs";
import { getServerSession, type NextAuthOptions } from "next-auth";
import { redirect } from "next/navigation";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "@rlhf/db";
import { roleSchema } from "@rlhf/shared";
import { log } from "./log";
import { isDatabaseUnavailable } from "./serviceErrors";
import { SignInGuard } from "./signInGuard";

/** What `authorize` throws; the sign-in form turns these into messages (NextAuth passes the text as `error`). */
export const SIGN_IN_ERRORS = { unavailable: "service-unavailable", locked: "locked" } as const;

export const BCRYPT_COST = 10;
// Compared against when the e-mail is unknown, so that an unknown e-mail costs the same bcrypt work as a known one
// (the answer time does not tell which accounts exist).
const DUMMY_HASH = bcrypt.hashSync("not-a-password", BCRYPT_COST);

const guard = new SignInGuard();

/** The client address as the nearest proxy reports it (Next sets x-forwarded-for to the socket's when absent). */
function clientAddress(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  return typeof forwarded === "string" ? (forwarded.split(",").pop()?.trim() ?? "unknown") : "unknown";
}

async function checkPassword(email: string, password: string) {
  const user = await db().user.findUnique({ where: { email } });
  const matches = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
  return user && matches ? user : null;
}

// Credentials sign-in with bcrypt-hashed passwords and JWT sessions. The session carries the user id, role and
// session version; getSession re-reads the version from Postgres, so sign-out and password change end every
// older session, and tRPC procedures re-read the role on every call, so a changed role applies at once.
export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt" },
  secret: process.env.NEXTAUTH_SECRET,
  pages: { signIn: "/signin" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, request) {
        if (!credentials?.email || !credentials.password) return null;
        const email = credentials.email.trim().toLowerCase();
        const address = clientAddress(request?.headers);
        const lockedMs = guard.lockedFor(email, address, Date.now());
        if (lockedMs > 0) throw new Error(`${SIGN_IN_ERRORS.locked}:${Math.ceil(lockedMs / 1000)}`);
        let user;
        try {
          user = await checkPassword(email, credentials.password);
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          log.error({ err: error }, "sign-in: the database does not answer");
          throw new Error(SIGN_IN_ERRORS.unavailable, { cause: error });
        }
        if (!user) {
          guard.recordFailure(email, address, Date.now());
          log.warn({ address }, "sign-in failed");
          return null;
        }
        guard.recordSuccess(email);
        return { id: user.id, email: user.email, name: user.name, role: user.role, sv: user.sessionVersion };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.role = roleSchema.parse(user.role);
        token.sv = user.sv;
      }
      return token;
    },
    session({ session, token }) {
      if (session.user && token.uid && token.role) {
        session.user.id = token.uid;
        session.user.role = token.role;
        session.user.sessionVersion = token.sv ?? 0;
      }
      return session;
    },
  },
  events: {
    // Every session of this person ends, on every device (a JWT cannot be revoked one by one).
    async signOut({ token }) {
      if (token?.uid) await revokeSessions(token.uid);
    },
  },
};

export async function revokeSessions(userId: string) {
  await db().user.updateMany({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
}

/**
 * The signed-in session if it is still valid: its person exists and it was signed in at their current session
 * version. Null otherwise, and when the database does not answer (pages then show the sign-in page).
 */
export async function getSession() {
  const session = await getServerSession(authOptions);
  if (!session?.user?.id) return null;
  try {
    const user = await db().user.findUnique({
      where: { id: session.user.id },
      select: { sessionVersion: true },
    });
    return user?.sessionVersion === session.user.sessionVersion ? session : null;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    return null;
  }
}

/** For server pages: the signed-in user, or a redirect to the sign-in page that comes back to `path`. */
export async function requireUser(path: string) {
  const session = await getSession();
  if (!session) redirect(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  return session.user;
}
