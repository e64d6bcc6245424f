// Model answers into ranking tasks: every chosen version answers every chosen prompt once (same sampling and
// seed per prompt for every model, so no model is favoured by its draw), and each answer becomes a MODEL
// response of its prompt, accepted like imported ones, so it enters the ranking queue. The version is recorded
// through a Generation row linked to the response.
import type { Job } from "bullmq";
import type { Prisma, PrismaClient } from "@rlhf/db";
import { type ChatMessage, chatReply } from "@rlhf/engine";
import { RANKING_ANSWER_PARAMS, type RankingAnswersJob } from "@rlhf/shared/generate";
import { type ModelCache, storableText } from "./model-cache";

export interface RankingAnswersResult {
  created: number;
  /** answers left out because the model wrote nothing */
  empty: number;
}

export async function generateRankingAnswers(
  prisma: PrismaClient,
  cache: ModelCache,
  job: Job<RankingAnswersJob>,
): Promise<RankingAnswersResult> {
  const { versionIds, promptIds, requestedById } = job.data;
  const versions = await prisma.modelVersion.findMany({
    where: { id: { in: versionIds } },
    select: { id: true, version: true, artifactDir: true, model: { select: { name: true } } },
  });
  const prompts = await prisma.prompt.findMany({
    where: { id: { in: promptIds }, hiddenAt: null },
    select: { id: true, messages: true },
    orderBy: { id: "asc" },
  });
  const result: RankingAnswersResult = { created: 0, empty: 0 };
  const total = versions.length * prompts.length;
  let done = 0;
  for (const version of versions) {
    const model = await cache.acquire(version.id, version.artifactDir);
    try {
      for (const [index, prompt] of prompts.entries()) {
        const messages = prompt.messages as unknown as ChatMessage[];
        const params = { ...RANKING_ANSWER_PARAMS, seed: index };
        const reply = await chatReply(model.generator, model.tokenizer, messages, params);
        const text = storableText(reply.text).trim();
        if (text === "") result.empty++;
        else {
          await prisma.$transaction(async (tx) => {
            const response = await tx.response.create({
              data: {
                promptId: prompt.id,
                text,
                kind: "MODEL",
                modelName: `${version.model.name} v${version.version}`,
                reviewState: "ACCEPTED",
              },
            });
            await tx.generation.create({
              data: {
                versionId: version.id,
                userId: requestedById,
                messages: prompt.messages as Prisma.InputJsonValue,
                params,
                status: "DONE",
                text,
                tokens: reply.generation.tokens.length,
                stopReason: reply.generation.stopReason,
                responseId: response.id,
                finishedAt: new Date(),
              },
            });
          });
          result.created++;
        }
        await job.updateProgress(Math.round((100 * ++done) / total));
      }
    } finally {
      await cache.release(version.id);
    }
  }
  return result;
}
