import { createTRPCRouter, roleProcedure } from "../trpc";

const adminProcedure = roleProcedure("ADMIN");

export const adminRouter = createTRPCRouter({
  users: adminProcedure.query(({ ctx }) =>
    ctx.prisma.user.findMany({
      select: { id: true, email: true, name: true, role: true },
      orderBy: { email: "asc" },
    }),
  ),

  auditLog: adminProcedure.query(({ ctx }) =>
    ctx.prisma.auditLog.findMany({
      select: { id: true, action: true, target: true, createdAt: true, actor: { select: { email: true } } },
      orderBy: { createdAt: "desc" },
      take: 50,
    }),
  ),
});
