/** Train and validation records of a post-training run: a validation file, or a seeded share of the train file. */
import type { z } from "zod";
import type { PostTrainRun } from "../config/posttrain.js";
import { Rng } from "../util/rng.js";

/** Salts the split draw so it never replays an epoch's shuffle (those use Rng(seed + epoch)). */
const SPLIT_SALT = 0x51f7a5e3;

export function splitValidation<S extends z.ZodType>(
  run: Pick<PostTrainRun, "data" | "seed">,
  schema: S,
  read: (path: string, schema: S) => z.output<S>[],
): { train: z.output<S>[]; validation: z.output<S>[] } {
  const all = read(run.data.train, schema);
  if (run.data.validation) return { train: all, validation: read(run.data.validation, schema) };
  const held = Math.round(all.length * run.data.validationFraction);
  const order = new Rng((run.seed ^ SPLIT_SALT) >>> 0).shuffle(all.map((_, i) => i));
  const heldOut = new Set(order.slice(0, held));
  return { train: all.filter((_, i) => !heldOut.has(i)), validation: all.filter((_, i) => heldOut.has(i)) };
}
