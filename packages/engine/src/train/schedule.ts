/**
 * Learning-rate schedules: linear warmup, then cosine, linear or no decay down to lr * minLrRatio.
 *
 * Convention: `step` is the 0-based number of the update about to be made, and update `step` uses Hugging Face's
 * multiplier at `step + 1` (get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup,
 * get_constant_schedule_with_warmup, with min_lr_rate as in get_cosine_with_min_lr_schedule_with_warmup).
 * So the first update uses lr / warmupSteps instead of wasting an update at lr 0, the last warmup update
 * (step warmupSteps - 1) uses the full lr, and the last update (step totalSteps - 1) uses exactly lr * minLrRatio.
 * Past totalSteps the rate stays at lr * minLrRatio (Hugging Face's cosine would climb back up). "constant" holds lr
 * after warmup and ignores minLrRatio.
 */
import { z } from "zod";

/** Checks the arguments only: the defaults live in each run config (src/config), which differ per objective. */
export const LrScheduleSchema = z.strictObject({
  lr: z.number().positive(),
  warmupSteps: z.number().int().min(0),
  totalSteps: z.number().int().positive(),
  decay: z.enum(["cosine", "linear", "constant"]),
  /** The floor the decay ends at, as a fraction of lr. */
  minLrRatio: z.number().min(0).max(1),
});
export type LrSchedule = z.infer<typeof LrScheduleSchema>;

export function learningRateAt(step: number, schedule: LrSchedule): number {
  const { lr, warmupSteps, totalSteps, decay, minLrRatio } = LrScheduleSchema.parse(schedule);
  if (!Number.isInteger(step) || step < 0)
    throw new RangeError(`learningRateAt: step must be a non-negative integer, got ${step}`);
  if (warmupSteps > totalSteps)
    throw new RangeError(`learningRateAt: warmupSteps ${warmupSteps} exceeds totalSteps ${totalSteps}`);
  const s = step + 1;
  if (s < warmupSteps) return (lr * s) / warmupSteps;
  if (decay === "constant") return lr;
  const progress = Math.min(1, (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  const shape = decay === "cosine" ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return lr * (minLrRatio + (1 - minLrRatio) * shape);
}
