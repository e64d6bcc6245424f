import bcrypt from "bcryptjs";
import { getServerSession, type NextAuthOptions } from "next-auth";
import { redirect } from "next/navigation";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "@rlhf/db";
import { roleSchema } from "@rlhf/shared";

// Credentials sign-in with bcrypt-hashed passwords and JWT sessions. The session carries the user id and role
// for the UI; tRPC procedures re-read the role from Postgres on every call, so a changed role applies at once.
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
      async authorize(credentials) {
        if (!credentials?.email || !credentials.password) return null;
        const user = await db().user.findUnique({ where: { email: credentials.email.trim().toLowerCase() } });
        if (!user || !(await bcrypt.compare(credentials.password, user.passwordHash))) return null;
        return { id: user.id, email: user.email, name: user.name, role: user.role };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.role = roleSchema.parse(user.role);
      }
      return token;
    },
    session({ session, token }) {
      if (session.user && token.uid && token.role) {
        session.user.id = token.uid;
        session.user.role = token.role;
      }
      return session;
    },
  },
};

export const getSession = () => getServerSession(authOptions);

/** For server pages: the signed-in user, or a redirect to the sign-in page that comes back to `path`. */
export async function requireUser(path: string) {
  const session = await getSession();
  if (!session) redirect(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  return session.user;
}
