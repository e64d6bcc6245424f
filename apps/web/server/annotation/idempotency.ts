/**
 * Idempotent writes: the client sends a fresh submission id with every write (and the same id on a retry or a
 * double click). The id and the write's result are stored in the write's own transaction. A repeat that comes
 * after the first committed, or that collides with it (on this key, the task it finishes, or any unique row it
 * writes: it waits for the first and then fails), rolls back and returns the stored result instead.
 */
import { TRPCError } from "@trpc/server";
import type { Prisma, PrismaClient } from "@rlhf/db";

export type Tx = Prisma.TransactionClient;

/** Interactive transactions wait behind the assignment lock under load; the default 5 s is too tight there. */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

/** `write` must return plain JSON data (ids, counts): a repeat gets it back from the stored copy. */
export async function idempotentWrite<T>(
  prisma: PrismaClient,
  request: { userId: string; submissionId: string; procedure: string },
  write: (tx: Tx) => Promise<T>,
): Promise<T> {
  const { userId, submissionId, procedure } = request;
  try {
    return await prisma.$transaction(async (tx) => {
      const result = await write(tx);
      await tx.idempotencyKey.create({
        data: { key: submissionId, userId, procedure, result: result as Prisma.InputJsonValue },
      });
      return result;
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    const earlier = await storedResult<T>(prisma, request);
    if (!earlier) throw error;
    return earlier.result;
  }
}

/**
 * The stored result of an earlier request with this submission id, or null if there was none. A write with
 * effects outside the database (files) checks it first, so a retry does not redo them.
 */
export async function storedResult<T>(
  prisma: PrismaClient,
  request: { userId: string; submissionId: string; procedure: string },
): Promise<{ result: T } | null> {
  const earlier = await prisma.idempotencyKey.findUnique({ where: { key: request.submissionId } });
  if (!earlier) return null;
  if (earlier.userId !== request.userId || earlier.procedure !== request.procedure) {
    throw new TRPCError({ code: "CONFLICT", message: "submissionId: already used for another request" });
  }
  return { result: earlier.result as T };
}
