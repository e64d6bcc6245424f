/**
 * Accounts without a mail server: an admin creates a one-time invitation link (only its hash is stored) and
 * hands it over; whoever opens it picks a name and password. Everyone can change their password, which ends
 * every session they have (their session version goes up). Every step lands in the audit log.
 */
import { TRPCError } from "@trpc/server";
import bcrypt from "bcryptjs";
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "@rlhf/db";
import { roleSchema } from "@rlhf/shared";
import { BCRYPT_COST } from "../auth";
import type { Actor } from "./submissions";

export const INVITE_TTL_DAYS = 7;

const passwordSchema = z.string().min(10, "use at least 10 characters").max(200);

export const createInviteInput = z.strictObject({
  email: z.email().max(200),
  role: roleSchema,
});
export const acceptInviteInput = z.strictObject({
  token: z.string().min(20).max(100),
  name: z.string().trim().min(1).max(100),
  password: passwordSchema,
});
export const changePasswordInput = z.strictObject({
  currentPassword: z.string().min(1).max(200),
  newPassword: passwordSchema,
});

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function createInvite(
  prisma: PrismaClient,
  actor: Actor,
  input: z.infer<typeof createInviteInput>,
) {
  const email = input.email.trim().toLowerCase();
  if (await prisma.user.findUnique({ where: { email }, select: { id: true } })) {
    throw new TRPCError({ code: "CONFLICT", message: `email: ${email} already has an account` });
  }
  const token = randomBytes(24).toString("base64url");
  const expiresAt = new Date(Date.now() + INVITE_TTL_DAYS * 24 * 3_600_000);
  const invite = await prisma.$transaction(async (tx) => {
    const created = await tx.invite.create({
      data: { tokenHash: hashToken(token), email, role: input.role, createdById: actor.id, expiresAt },
    });
    await tx.auditLog.create({
      data: {
        actorId: actor.id,
        action: "user.invite",
        target: `invite:${created.id}`,
        details: { email, role: input.role },
      },
    });
    return created;
  });
  return { inviteId: invite.id, path: `/invite/${token}`, email, role: input.role, expiresAt };
}

/** What the invitation page shows before sign-up; NOT_FOUND for an unknown, used or expired token alike. */
export async function describeInvite(prisma: PrismaClient, token: string) {
  const invite = await prisma.invite.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!invite || invite.usedAt || invite.expiresAt <= new Date()) {
    throw new TRPCError({ code: "NOT_FOUND", message: "token: this invitation is unknown, used or expired" });
  }
  return { email: invite.email, role: invite.role, expiresAt: invite.expiresAt };
}

export async function acceptInvite(prisma: PrismaClient, input: z.infer<typeof acceptInviteInput>) {
  const passwordHash = await bcrypt.hash(input.password, BCRYPT_COST);
  return prisma.$transaction(async (tx) => {
    // Marking it used first, conditionally, makes a double submit create one account.
    const claimed = await tx.invite.updateMany({
      where: { tokenHash: hashToken(input.token), usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (claimed.count !== 1) {
      throw new TRPCError({
        code: "NOT_FOUND",
        message: "token: this invitation is unknown, used or expired",
      });
    }
    const invite = await tx.invite.findUniqueOrThrow({ where: { tokenHash: hashToken(input.token) } });
    if (await tx.user.findUnique({ where: { email: invite.email }, select: { id: true } })) {
      throw new TRPCError({ code: "CONFLICT", message: `email: ${invite.email} already has an account` });
    }
    const user = await tx.user.create({
      data: { email: invite.email, name: input.name, role: invite.role, passwordHash },
    });
    await tx.auditLog.create({
      data: {
        actorId: user.id,
        action: "user.join",
        target: `user:${user.id}`,
        details: { inviteId: invite.id },
      },
    });
    return { email: user.email };
  });
}

export async function changePassword(
  prisma: PrismaClient,
  actor: Actor,
  input: z.infer<typeof changePasswordInput>,
) {
  const user = await prisma.user.findUniqueOrThrow({ where: { id: actor.id } });
  if (!(await bcrypt.compare(input.currentPassword, user.passwordHash))) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: "currentPassword: that is not your current password",
    });
  }
  const passwordHash = await bcrypt.hash(input.newPassword, BCRYPT_COST);
  await prisma.$transaction([
    prisma.user.update({
      where: { id: user.id },
      data: { passwordHash, sessionVersion: { increment: 1 } },
    }),
    prisma.auditLog.create({
      data: { actorId: user.id, action: "user.password", target: `user:${user.id}` },
    }),
  ]);
  return { signedOut: true };
}
