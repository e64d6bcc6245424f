import { z } from "zod";
import {
  acceptInvite,
  acceptInviteInput,
  changePassword,
  changePasswordInput,
  createInvite,
  createInviteInput,
  describeInvite,
} from "../../annotation/accounts";
import { createTRPCRouter, protectedProcedure, publicProcedure, roleProcedure } from "../trpc";

export const accountRouter = createTRPCRouter({
  createInvite: roleProcedure("ADMIN")
    .input(createInviteInput)
    .mutation(({ ctx, input }) => createInvite(ctx.prisma, ctx.user, input)),
  invite: publicProcedure
    .input(z.strictObject({ token: z.string().min(1).max(100) }))
    .query(({ ctx, input }) => describeInvite(ctx.prisma, input.token)),
  acceptInvite: publicProcedure
    .input(acceptInviteInput)
    .mutation(({ ctx, input }) => acceptInvite(ctx.prisma, input)),
  changePassword: protectedProcedure
    .input(changePasswordInput)
    .mutation(({ ctx, input }) => changePassword(ctx.prisma, ctx.user, input)),
});
