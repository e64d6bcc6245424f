/**
 * The job kinds of `runJob` and their config schemas, one per kind (defaults written once, in each schema). Pure zod:
 * the web app and packages/shared validate and build job payloads from these without loading onnxruntime.
 */
import type { z } from "zod";
import { DpoConfigSchema } from "./dpo.js";
import { GrpoConfigSchema } from "./grpo.js";
import { KtoConfigSchema } from "./kto.js";
import { PpoConfigSchema } from "./ppo.js";
import { PretrainConfigSchema } from "./pretrain.js";
import { RewardConfigSchema } from "./reward.js";
import { RlooConfigSchema } from "./rloo.js";
import { SftConfigSchema } from "./sft.js";

export const JOB_KINDS = ["pretrain", "sft", "reward", "dpo", "ppo", "grpo", "rloo", "kto"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_CONFIG_SCHEMAS = {
  pretrain: PretrainConfigSchema,
  sft: SftConfigSchema,
  reward: RewardConfigSchema,
  dpo: DpoConfigSchema,
  ppo: PpoConfigSchema,
  grpo: GrpoConfigSchema,
  rloo: RlooConfigSchema,
  kto: KtoConfigSchema,
} as const satisfies Record<JobKind, z.ZodType>;

/** What a caller writes for a job of kind K (fields with defaults may be left out). */
export type JobConfigInput<K extends JobKind = JobKind> = z.input<(typeof JOB_CONFIG_SCHEMAS)[K]>;
/** The config after parsing: every default filled in. */
export type JobConfig<K extends JobKind = JobKind> = z.output<(typeof JOB_CONFIG_SCHEMAS)[K]>;
