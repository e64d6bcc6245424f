/** Role changes by an admin (the list of people is admin.users); every change lands in the audit log. */
import { TRPCError } from "@trpc/server";
import type { Role } from "@rlhf/shared";
import type { Actor, AnnotationContext } from "./submissions";

export async function setRole(ctx: AnnotationContext, actor: Actor, input: { userId: string; role: Role }) {
  if (input.userId === actor.id) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "userId: admins cannot change their own role" });
  }
  return ctx.prisma.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId } });
    if (!user) throw new TRPCError({ code: "NOT_FOUND", message: `userId: no user ${input.userId}` });
    await tx.user.update({ where: { id: user.id }, data: { role: input.role } });
    await tx.auditLog.create({
      data: {
        actorId: actor.id,
        action: "user.role",
        target: `user:${user.id}`,
        details: { from: user.role, to: input.role },
      },
    });
    return { userId: user.id, role: input.role };
  });
}
