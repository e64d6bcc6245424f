import { z } from "zod";

/** The trainer's settings, from the environment; every default written here once. */
const trainerEnvSchema = z.object({
  DATABASE_URL: z.string().min(1, "DATABASE_URL must point at the platform's PostgreSQL database"),
  TRAINER_HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(3101),
  TRAINER_CONCURRENCY: z.coerce.number().int().min(1).default(1),
  /** A dead trainer's job is handed to another one about this long after its last lock renewal. */
  TRAINER_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  TRAINER_STALLED_CHECK_MS: z.coerce.number().int().min(200).default(15_000),
  /** How often, and after how long, runs left PENDING (their enqueue failed) are enqueued again. */
  OUTBOX_SWEEP_EVERY_MS: z.coerce.number().int().min(100).default(10_000),
  OUTBOX_GRACE_MS: z.coerce.number().int().min(0).default(15_000),
  /** How often a running job checks its row for a cancel request. */
  TRAINER_CANCEL_POLL_MS: z.coerce.number().int().min(50).default(500),
  /** Graceful shutdown waits this long for the running job before exiting anyway (the job is then retried). */
  TRAINER_SHUTDOWN_MS: z.coerce.number().int().min(0).default(10_000),
});

export type TrainerEnv = z.infer<typeof trainerEnvSchema>;

export function trainerEnv(env: NodeJS.ProcessEnv = process.env): TrainerEnv {
  const parsed = trainerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`bad trainer environment: ${problems}`);
  }
  return parsed.data;
}
