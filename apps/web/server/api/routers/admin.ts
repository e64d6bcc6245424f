import { createTRPCRouter, roleProcedure } from "../trpc";

const adminProcedure = roleProcedure("ADMIN");

export const adminRouter = createTRPCRouter({
  users: adminProcedure.query(({ ctx }) =>
    ctx.prisma.user.findMany({
      select: { id: true, email: true, name: true, role: true },
      orderBy: { email: "asc" },
    }),
  ),

  /** The newest entries, with people named: the actor, and a target that is a person (`user:<id>`). */
  auditLog: adminProcedure.query(async ({ ctx }) => {
    const entries = await ctx.prisma.auditLog.findMany({
      select: {
        id: true,
        action: true,
        target: true,
        createdAt: true,
        actor: { select: { email: true, name: true } },
      },
      orderBy: { createdAt: "desc" },
      take: 50,
    });
    const userIds = entries.flatMap((e) => (e.target?.startsWith("user:") ? [e.target.slice(5)] : []));
    const users = await ctx.prisma.user.findMany({
      where: { id: { in: userIds } },
      select: { id: true, name: true, email: true },
    });
    const byId = new Map(users.map((u) => [u.id, `${u.name} (${u.email})`]));
    return entries.map((entry) => ({
      ...entry,
      targetName: entry.target?.startsWith("user:") ? (byId.get(entry.target.slice(5)) ?? null) : null,
    }));
  }),
});
