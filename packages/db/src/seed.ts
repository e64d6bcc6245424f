import bcrypt from "bcryptjs";
import { randomBytes } from "node:crypto";
import type { Role } from "@rlhf/shared";
import type { PrismaClient } from "./index";

export interface DemoAccount {
  email: string;
  name: string;
  role: Role;
  password: string;
}

const DEMO_USERS: Omit<DemoAccount, "password">[] = [
  { email: "admin@example.com", name: "Ada Admin", role: "ADMIN" },
  { email: "reviewer@example.com", name: "Rui Reviewer", role: "REVIEWER" },
  { email: "annotator1@example.com", name: "Ann Annotator", role: "ANNOTATOR" },
  { email: "annotator2@example.com", name: "Abe Annotator", role: "ANNOTATOR" },
];

/**
 * Seeds the demo accounts once, into an empty user table. Passwords are random unless the caller passes one
 * (tests do), so no deployment ships a known password. Returns the accounts created, or [] when users existed.
 */
export async function seedDemoAccounts(
  prisma: PrismaClient,
  options: { password?: string } = {},
): Promise<DemoAccount[]> {
  if ((await prisma.user.count()) > 0) return [];
  const accounts = DEMO_USERS.map((user) => ({
    ...user,
    password: options.password ?? randomBytes(9).toString("base64url"),
  }));
  const rows = await Promise.all(
    accounts.map(async ({ password, ...user }) => ({
      ...user,
      passwordHash: await bcrypt.hash(password, 10),
    })),
  );
  await prisma.user.createMany({ data: rows });
  return accounts;
}
