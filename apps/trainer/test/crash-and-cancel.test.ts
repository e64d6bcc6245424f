import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRun } from "@rlhf/db/outbox";
import { createRun, requestRunCancel, resumeRun } from "@rlhf/db/runs";
import { createTestDatabase, testQueueBackend, type TestDatabase } from "@rlhf/db/test-support";
import { runSpecSchema } from "@rlhf/shared";
import { createTrainingQueue, type TrainingQueue } from "@rlhf/shared/queue";
import { createFixtureSnapshot } from "./snapshot-fixture";
import { registerTinyBase, TINY } from "./tiny";
import { startTrainer, stopTrainer, waitFor, type TrainerProcess } from "./trainer-process";

// A run long enough to be interrupted: SFT for STEPS updates, a checkpoint every 10, a loss every step.
const STEPS = 120;
const LONG_SFT = { ...TINY.sft, epochs: 100, maxSteps: STEPS, saveEvery: 10, evalEvery: 1000 };

let database: TestDatabase;
let queue: TrainingQueue;
let artifacts: string;
let snapshotId: string;
let baseId: string;
const trainers: TrainerProcess[] = [];
const backend = testQueueBackend();

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createTrainingQueue(backend);
  artifacts = mkdtempSync(join(tmpdir(), "rlhf-crash-"));
  const snapshot = await createFixtureSnapshot(database.prisma, artifacts);
  snapshotId = snapshot.id;
  baseId = (await registerTinyBase(database.prisma, snapshot, artifacts)).id;
});
afterAll(async () => {
  for (const trainer of trainers) await stopTrainer(trainer);
  await queue.close();
  await database.drop();
  rmSync(artifacts, { recursive: true, force: true });
});

const env = () => ({ ARTIFACTS_DIR: artifacts, TRAINER_CANCEL_POLL_MS: "100" });
const row = (id: string) => database.prisma.trainingRun.findUniqueOrThrow({ where: { id } });

async function startLongRun() {
  const spec = runSpecSchema.parse({ kind: "sft", snapshotId, baseModelVersionId: baseId, config: LONG_SFT });
  const run = await createRun(database.prisma, spec, null);
  await publishRun(database.prisma, queue, run);
  return run;
}

async function waitForStatus(id: string, status: string, trainer: () => TrainerProcess) {
  await waitFor(
    async () => (await row(id)).status === status,
    () => `run ${id} never reached ${status}; trainer output:\n${trainer().output().slice(-3000)}`,
    120_000,
  );
}

const checkpointSteps = (workDir: string) =>
  readdirSync(workDir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name)?.[1])
    .filter(Boolean)
    .map(Number);

/** Every step's train/loss exactly once: none lost, none duplicated by a retried or resumed attempt. */
async function expectOneLossPerStep(runId: string) {
  const losses = await database.prisma.runMetric.findMany({
    where: { runId, name: "train/loss" },
    orderBy: { step: "asc" },
  });
  expect(losses.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
}

describe("cancel and crash recovery", { timeout: 180_000 }, () => {
  it("cancels a running run at a step boundary with its checkpoint kept, then resumes it from there", async () => {
    const trainer = await startTrainer(database.url, backend, env());
    trainers.push(trainer);
    const run = await startLongRun();
    await waitFor(
      async () => (await row(run.id)).step >= 20,
      () => `run never progressed:\n${trainer.output().slice(-3000)}`,
      60_000,
    );
    expect(await requestRunCancel(database.prisma, run.id, null)).toBe("RUNNING");
    await waitForStatus(run.id, "CANCELLED", () => trainer);
    const cancelled = await row(run.id);
    expect(cancelled.step).toBeLessThan(STEPS);
    expect(Math.max(...checkpointSteps(cancelled.workDir!))).toBe(cancelled.step);

    await resumeRun(database.prisma, queue, run.id, null);
    await waitForStatus(run.id, "SUCCEEDED", () => trainer);
    const resumed = await row(run.id);
    expect(resumed).toMatchObject({ attempts: 2, resumedFromStep: cancelled.step });
    await expectOneLossPerStep(run.id);
    const audit = await database.prisma.auditLog.findMany({ where: { target: `run:${run.id}` } });
    expect(audit.map((entry) => entry.action)).toEqual(["run.create", "run.cancel", "run.resume"]);
  });

  it("resumes a SIGKILLed trainer's run from its last checkpoint on the next trainer", async () => {
    await stopTrainer(trainers.pop()!);
    const doomed = await startTrainer(database.url, backend, env());
    const run = await startLongRun();
    const workDir = () => join(artifacts, "runs", run.id);
    await waitFor(
      () => existsSync(workDir()) && checkpointSteps(workDir()).some((step) => step >= 20),
      () => `run never wrote checkpoint-20:\n${doomed.output().slice(-3000)}`,
      60_000,
    );
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const killedAt = (await row(run.id)).step;
    expect(killedAt).toBeLessThan(STEPS);

    const rescuer = await startTrainer(database.url, backend, env());
    trainers.push(rescuer);
    await waitForStatus(run.id, "SUCCEEDED", () => rescuer);
    const done = await row(run.id);
    expect(done.attempts).toBe(2);
    expect(done.resumedFromStep).toBeGreaterThanOrEqual(20);
    const firstStep = await database.prisma.runLog.findFirstOrThrow({
      where: { runId: run.id, attempt: 2, message: { contains: "first step" } },
    });
    const first = Number(/first step (\d+)/.exec(firstStep.message)![1]);
    expect(first).toBeGreaterThan(0);
    expect(first).toBe(done.resumedFromStep! + 1);
    await expectOneLossPerStep(run.id);
    expect(await database.prisma.modelVersion.count({ where: { runId: run.id } })).toBe(1);
  });

  it("starts a SIGKILLed run child again from its last checkpoint, within the same attempt", async () => {
    const trainer = trainers[trainers.length - 1];
    // The earlier runs' evaluations run in children of the trainer too: the run child must be the only one.
    await waitFor(
      async () =>
        (await database.prisma.modelEvaluation.count({
          where: { status: { in: ["PENDING", "RUNNING"] } },
        })) === 0,
      () => `evaluations never finished:\n${trainer.output().slice(-3000)}`,
      120_000,
    );
    const run = await startLongRun();
    const workDir = join(artifacts, "runs", run.id);
    await waitFor(
      () => existsSync(workDir) && checkpointSteps(workDir).some((step) => step >= 20),
      () => `run never wrote checkpoint-20:\n${trainer.output().slice(-3000)}`,
      60_000,
    );
    const trainerPid = trainer.child.pid!;
    const children = readFileSync(`/proc/${trainerPid}/task/${trainerPid}/children`, "utf8")
      .trim()
      .split(/\s+/);
    const runChild = children.filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("child/entry.ts"),
    );
    expect(runChild).toHaveLength(1);
    expect((await row(run.id)).status).toBe("RUNNING");
    process.kill(Number(runChild[0]), "SIGKILL");
    await waitForStatus(run.id, "SUCCEEDED", () => trainer);
    const done = await row(run.id);
    expect(done.attempts).toBe(1);
    expect(done.resumedFromStep).toBeGreaterThanOrEqual(20);
    const restart = await database.prisma.runLog.findFirstOrThrow({
      where: { runId: run.id, level: "warn", message: { contains: "restarting it from checkpoint" } },
    });
    expect(restart.message).toMatch(/signal SIGKILL/);
    await expectOneLossPerStep(run.id);
  });
});
