import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Processor } from "bullmq";
import type { PrismaClient, TrainingRun } from "@rlhf/db";
import { enqueueEvaluation, registerModelVersion } from "@rlhf/db/registry";
import { advancePipeline, readCheckpointInfo, runWorkDir, validateRunInputs } from "@rlhf/db/runs";
import {
  DEFAULT_OUTPUT_MODEL_NAME,
  isTerminalStatus,
  RUN_OUTPUT_MODEL_KIND,
  runConfigSchemas,
  runKindSchema,
  runSpecSchema,
  trainingJobSchema,
  type RunKind,
  type TrainingJob,
} from "@rlhf/shared";
import type { Logger } from "@rlhf/shared/log";
import type { EvaluationQueue, TrainingQueue } from "@rlhf/shared/queue";
import type { TrainTask } from "./child/messages";
import { ChildCrashedError, runInChild } from "./child/run-in-child";
import type { TrainResult } from "./handlers";

export interface RunProcessorOptions {
  /** How often a running job looks for a cancel request on its row. */
  cancelPollMs: number;
}

/** The step of the newest checkpoint-<step> folder in workDir: where the engine resumes (0: none yet). */
function lastCheckpointStep(workDir: string): number {
  if (!existsSync(workDir)) return 0;
  const steps = readdirSync(workDir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name)?.[1])
    .filter((step): step is string => step !== undefined)
    .map(Number);
  return Math.max(0, ...steps);
}

/** How often one attempt starts its run child again after the child was killed. */
const MAX_CHILD_RESTARTS = 2;

/** Minimum time between two progress writes of one run. */
const PROGRESS_WRITE_MS = 250;

type MetricRow = { runId: string; step: number; name: string; value: number };

const metricRows = (runId: string, step: number, values: Record<string, number>): MetricRow[] =>
  Object.entries(values)
    .filter(([, value]) => Number.isFinite(value))
    .map(([name, value]) => ({ runId, step, name, value }));

/**
 * The metrics of steps up to `upTo` from the job's own workDir/metrics.jsonl. The database can lag behind the
 * job (reports are written one at a time), so after a crash the steps between the last row written and the
 * checkpoint the job resumes from exist only in that file.
 */
function loggedMetrics(runId: string, workDir: string, upTo: number): MetricRow[] {
  const file = join(workDir, "metrics.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .flatMap((line) => {
      const { step, ...values } = JSON.parse(line) as { step: number } & Record<string, number>;
      return step <= upTo ? metricRows(runId, step, values) : [];
    });
}

/** The run's row as the spec it was created from (validated again: a snapshot or model may be gone). */
function specOf(run: TrainingRun, kind: RunKind) {
  return runSpecSchema.parse({
    kind,
    snapshotId: run.snapshotId,
    backend: run.backend,
    ...(run.backendOptions !== null && { backendOptions: run.backendOptions }),
    ...(run.baseModelVersionId && { baseModelVersionId: run.baseModelVersionId }),
    ...(run.rewardModelVersionId && { rewardModelVersionId: run.rewardModelVersionId }),
    config: runConfigSchemas[kind].parse(run.config),
  });
}

/**
 * The BullMQ processor: bookkeeping in Postgres around an engine job run in a child process. Safe to run again for
 * the same run (a retry after a crashed trainer): the job resumes from the last checkpoint in the run's workDir,
 * metrics are written once per (run, name, step), and the output model is registered once.
 */
export function createRunProcessor(
  prisma: PrismaClient,
  queues: { training: TrainingQueue; evaluations: EvaluationQueue },
  log: Logger,
  options: RunProcessorOptions,
): Processor<TrainingJob> {
  return async (job) => {
    const { runId, kind } = trainingJobSchema.parse(job.data);
    const jobLog = log.child({ jobId: job.id, runId, kind });
    const run = await prisma.trainingRun.findUnique({ where: { id: runId } });
    if (!run) throw new Error(`training run ${runId} does not exist`);
    if (isTerminalStatus(run.status)) {
      jobLog.warn({ status: run.status }, "run already finished; nothing to do");
      return;
    }
    const attempt = run.attempts + 1;
    const workDir = runWorkDir(runId);
    const resumedFromStep = lastCheckpointStep(workDir);
    await prisma.trainingRun.update({
      where: { id: runId },
      data: {
        status: "RUNNING",
        startedAt: run.startedAt ?? new Date(),
        attempts: attempt,
        workDir,
        resumedFromStep,
        error: null,
      },
    });
    const writeLog = (level: string, message: string) =>
      prisma.runLog.create({ data: { runId, attempt, level, message } });
    await writeLog(
      "info",
      resumedFromStep > 0
        ? `attempt ${attempt}: resuming from checkpoint-${resumedFromStep}`
        : `attempt ${attempt}: starting`,
    );
    jobLog.info({ attempt, resumedFromStep }, "run started");

    let cancelPoll: NodeJS.Timeout | undefined;
    try {
      if (resumedFromStep > 0)
        await prisma.runMetric.createMany({
          data: loggedMetrics(runId, workDir, resumedFromStep),
          skipDuplicates: true,
        });
      const spec = specOf(run, runKindSchema.parse(kind));
      const inputs = await validateRunInputs(prisma, spec);
      const task: TrainTask = {
        type: "train",
        kind,
        config: runConfigSchemas[kind].parse(run.config),
        inputs: {
          snapshotDir: inputs.snapshot.dir,
          baseDir: inputs.baseModel?.info.dir ?? null,
          rewardDir: inputs.rewardModel?.info.dir ?? null,
        },
        workDir,
        backend: spec.backend,
        backendOptions: spec.backendOptions,
      };
      const runChild = async (): Promise<TrainResult> => {
        let firstStep: number | null = null;
        let lastProgressWrite = 0;
        const child = runInChild<TrainResult>(task, {
          async onProgress(step, totalSteps) {
            if (firstStep === null) {
              firstStep = step;
              await writeLog("info", `attempt ${attempt}: first step ${step} of ${totalSteps}`);
            }
            // At most a few writes a second: a tiny model makes hundreds of steps a second, and the final state
            // is written with the run's outcome anyway.
            if (Date.now() - lastProgressWrite < PROGRESS_WRITE_MS) return;
            lastProgressWrite = Date.now();
            const progress = step / totalSteps;
            await job.updateProgress(progress);
            await prisma.trainingRun.update({ where: { id: runId }, data: { progress, step, totalSteps } });
          },
          async onMetrics(step, values) {
            await prisma.runMetric.createMany({
              data: metricRows(runId, step, values),
              skipDuplicates: true,
            });
          },
          async onLog(level, message) {
            await writeLog(level, message);
          },
        });
        cancelPoll = setInterval(async () => {
          const row = await prisma.trainingRun.findUnique({
            where: { id: runId },
            select: { cancelRequestedAt: true },
          });
          if (row?.cancelRequestedAt) {
            clearInterval(cancelPoll);
            await writeLog("info", "cancel requested: stopping at the next step boundary");
            child.cancel();
          }
        }, options.cancelPollMs);
        try {
          return await child.result;
        } finally {
          clearInterval(cancelPoll);
        }
      };
      // A killed child (out of memory, a stray SIGKILL) is started again from the last checkpoint, a few times.
      let result: TrainResult | undefined;
      for (let restarts = 0; !result; restarts++) {
        try {
          result = await runChild();
        } catch (error) {
          if (!(error instanceof ChildCrashedError) || restarts >= MAX_CHILD_RESTARTS) throw error;
          const from = lastCheckpointStep(workDir);
          await prisma.runMetric.createMany({
            data: loggedMetrics(runId, workDir, from),
            skipDuplicates: true,
          });
          await prisma.trainingRun.update({ where: { id: runId }, data: { resumedFromStep: from } });
          await writeLog("warn", `${error.message}; restarting it from checkpoint-${from}`);
        }
      }

      if (result.status === "cancelled") {
        await prisma.trainingRun.update({
          where: { id: runId },
          data: { status: "CANCELLED", step: result.step, finishedAt: new Date() },
        });
        await writeLog(
          "info",
          `cancelled at step ${result.step}; checkpoint kept in ${result.finalCheckpoint}`,
        );
        jobLog.info({ step: result.step }, "run cancelled");
        return;
      }
      const info = readCheckpointInfo(result.finalCheckpoint);
      const version = await registerModelVersion(prisma, {
        modelName: run.outputModelName ?? DEFAULT_OUTPUT_MODEL_NAME[kind],
        kind: RUN_OUTPUT_MODEL_KIND[kind],
        artifactDir: result.finalCheckpoint,
        exportDir: result.exportDir,
        runId,
        snapshotId: run.snapshotId,
        parentVersionId: run.baseModelVersionId,
        architecture: info.architecture,
        config: run.config,
      });
      await enqueueEvaluation(prisma, queues.evaluations, version.id);
      await prisma.trainingRun.update({
        where: { id: runId },
        data: {
          status: "SUCCEEDED",
          progress: 1,
          step: result.step,
          totalSteps: result.totalSteps,
          finishedAt: new Date(),
        },
      });
      await writeLog(
        "info",
        `${result.status} at step ${result.step}; registered model version ${version.id}`,
      );
      jobLog.info({ versionId: version.id }, "run succeeded");
      if (run.pipelineId) {
        // A stage that cannot start (its inputs fail validation) is reported here; this run stays a success.
        const next = await advancePipeline(prisma, queues.training, runId).catch(async (error: Error) => {
          await writeLog("warn", `the pipeline's next stage could not start: ${error.message}`);
          return [];
        });
        for (const stage of next)
          await writeLog("info", `pipeline: started the ${stage.kind} run ${stage.id}`);
      }
    } catch (error) {
      clearInterval(cancelPoll);
      const message = error instanceof Error ? error.message : String(error);
      await prisma.trainingRun.update({
        where: { id: runId },
        data: { status: "FAILED", error: message, finishedAt: new Date() },
      });
      await writeLog("error", message);
      jobLog.error({ err: message }, "run failed");
      throw error;
    }
  };
}
