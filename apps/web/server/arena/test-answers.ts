// Test helper: answers written to a generation's row and Redis stream exactly as the trainer's generate worker
// writes them (the worker itself, with a real model, is tested in apps/trainer/test/generate.test.ts).
import type { PrismaClient } from "@rlhf/db";
import { generateServices } from "./services";

export async function writeAnswer(
  prisma: PrismaClient,
  generationId: string,
  pieces: string[],
): Promise<void> {
  const { streams, queue } = generateServices();
  // the worker has taken the job: it leaves the queue
  await (await queue.getJob(generationId))?.remove();
  await prisma.generation.update({
    where: { id: generationId },
    data: { status: "RUNNING", startedAt: new Date() },
  });
  await streams.append(generationId, { type: "started" });
  for (const text of pieces) await streams.append(generationId, { type: "token", text });
  const text = pieces.join("");
  await prisma.generation.update({
    where: { id: generationId },
    data: { status: "DONE", text, tokens: pieces.length, stopReason: "stop_token", finishedAt: new Date() },
  });
  await streams.append(generationId, { type: "done", reason: "stop_token", text });
}

/** Points the generate services at the test Redis under a key prefix of the test file's own. */
export function useTestRedis(redisUrl: string): void {
  process.env.REDIS_URL = redisUrl;
  process.env.QUEUE_PREFIX = `test-web-gen-${Math.random().toString(36).slice(2, 10)}`;
}
