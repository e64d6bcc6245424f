import type { Processor } from "bullmq";
import type { PrismaClient } from "@rlhf/db";
import { isTerminalStatus, trainingJobSchema, type TrainingJob } from "@rlhf/shared";
import type { Logger } from "@rlhf/shared/log";
import { runInChild } from "./child/run-in-child";

/**
 * The BullMQ processor: bookkeeping in Postgres around a handler run in a child process. Safe to run again for
 * the same run (a retry after a crashed trainer): metrics are written idempotently per (run, name, step).
 */
export function createRunProcessor(prisma: PrismaClient, log: Logger): Processor<TrainingJob> {
  return async (job) => {
    const { runId, kind } = trainingJobSchema.parse(job.data);
    const jobLog = log.child({ jobId: job.id, runId, kind });
    const run = await prisma.trainingRun.findUnique({ where: { id: runId } });
    if (!run) throw new Error(`training run ${runId} does not exist`);
    if (isTerminalStatus(run.status)) {
      jobLog.warn({ status: run.status }, "run already finished; nothing to do");
      return;
    }
    await prisma.trainingRun.update({
      where: { id: runId },
      data: {
        status: "RUNNING",
        startedAt: run.startedAt ?? new Date(),
        attempts: { increment: 1 },
        error: null,
      },
    });
    jobLog.info({ attempt: run.attempts + 1 }, "run started");
    try {
      await runInChild(kind, run.config, {
        async onProgress(step, totalSteps) {
          const progress = step / totalSteps;
          await job.updateProgress(progress);
          await prisma.trainingRun.update({ where: { id: runId }, data: { progress } });
        },
        async onMetrics(step, values) {
          const data = Object.entries(values).map(([name, value]) => ({ runId, step, name, value }));
          await prisma.runMetric.createMany({ data, skipDuplicates: true });
        },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await prisma.trainingRun.update({
        where: { id: runId },
        data: { status: "FAILED", error: message, finishedAt: new Date() },
      });
      jobLog.error({ err: message }, "run failed");
      throw error;
    }
    await prisma.trainingRun.update({
      where: { id: runId },
      data: { status: "SUCCEEDED", progress: 1, finishedAt: new Date() },
    });
    jobLog.info("run succeeded");
  };
}
