import type { Processor } from "bullmq";
import type { Prisma, PrismaClient } from "@rlhf/db";
import { evaluationJobSchema, type EvaluationJob } from "@rlhf/shared";
import type { Logger } from "@rlhf/shared/log";
import type { EvaluateTask } from "./child/messages";
import { runInChild } from "./child/run-in-child";
import type { EvaluationResult } from "./evaluation/evaluate";

/**
 * The evaluation queue's processor: scores a registered version in a child process and stores the metrics and
 * samples on its ModelEvaluation row. Deterministic (fixed prompts and seeds), so a retry recomputes the same.
 */
export function createEvaluationProcessor(prisma: PrismaClient, log: Logger): Processor<EvaluationJob> {
  return async (job) => {
    const { evaluationId } = evaluationJobSchema.parse(job.data);
    const jobLog = log.child({ jobId: job.id, evaluationId });
    const evaluation = await prisma.modelEvaluation.findUnique({
      where: { id: evaluationId },
      include: {
        version: { include: { model: true, snapshot: true, parentVersion: true } },
        judgeVersion: true,
      },
    });
    if (!evaluation) throw new Error(`evaluation ${evaluationId} does not exist`);
    if (evaluation.status === "SUCCEEDED" || evaluation.status === "FAILED") return;
    await prisma.modelEvaluation.update({
      where: { id: evaluationId },
      data: { status: "RUNNING", startedAt: new Date(), attempts: { increment: 1 }, error: null },
    });
    const { version } = evaluation;
    const task: EvaluateTask = {
      type: "evaluate",
      modelDir: version.artifactDir,
      modelKind: version.model.kind,
      snapshotDir: version.snapshot?.artifactPath ?? null,
      parentDir: version.parentVersion?.artifactDir ?? null,
      judgeDir: evaluation.judgeVersion?.artifactDir ?? null,
    };
    try {
      const result = await runInChild<EvaluationResult>(task, {
        async onLog(level, message) {
          jobLog[level]({ evaluationId }, message);
        },
      }).result;
      await prisma.modelEvaluation.update({
        where: { id: evaluationId },
        data: {
          status: "SUCCEEDED",
          metrics: result.metrics,
          samples: result.samples as unknown as Prisma.InputJsonValue,
          finishedAt: new Date(),
        },
      });
      jobLog.info({ metrics: result.metrics }, "evaluation succeeded");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await prisma.modelEvaluation.update({
        where: { id: evaluationId },
        data: { status: "FAILED", error: message, finishedAt: new Date() },
      });
      jobLog.error({ err: message }, "evaluation failed");
      throw error;
    }
  };
}
