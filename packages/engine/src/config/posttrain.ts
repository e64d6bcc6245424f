/**
 * The part every post-training config shares (SFT, reward model, DPO, PPO): where the base checkpoint and the data
 * are, how long to train, the optimizer and the schedule. Defaults are Hugging Face TrainingArguments' (which TRL's
 * configs inherit) unless a field says otherwise; the learning rate differs per objective, so each config passes
 * its own TRL default in. Pure zod: safe for the light `@rlhf/engine/config` entry point.
 */
import { z } from "zod";
import { monitorShape } from "./harness.js";
import { OptimizerConfigSchema, PretrainConfigSchema } from "./pretrain.js";

/**
 * The pretraining optimizer (AdamW or LAMB, clipping), with TrainingArguments' fine-tuning defaults where they
 * differ from pretraining: adam_beta2 0.999 and weight_decay 0.
 */
export const PostTrainOptimizerSchema = OptimizerConfigSchema.extend({
  beta2: z.number().min(0).lt(1).default(0.999),
  weightDecay: z.number().min(0).default(0),
});

export const PostTrainScheduleSchema = z.strictObject({
  /** TrainingArguments warmup_steps 0. */
  warmupSteps: z.number().int().min(0).default(0),
  /** TrainingArguments lr_scheduler_type "linear" (down to 0, so minLrRatio 0). */
  decay: z.enum(["cosine", "linear", "constant"]).default("linear"),
  minLrRatio: z.number().min(0).max(1).default(0),
});

export const PostTrainDataSchema = z.strictObject({
  /** JSONL file of training examples. */
  train: z.string().min(1),
  /** JSONL file of held-out examples; without it `validationFraction` of `train` is held out. */
  validation: z.string().min(1).optional(),
  /** Share of `train` held out when no validation file is given (0 disables evaluation). */
  validationFraction: z.number().min(0).lt(1).default(0.05),
});

/** Fields of every post-training run; `learningRate` is the objective's own TRL default. */
export function postTrainRunShape(learningRate: number) {
  return {
    /** Checkpoint folder the run starts from (the base or SFT model). */
    baseCheckpoint: z.string().min(1),
    data: PostTrainDataSchema,
    learningRate: z.number().positive().default(learningRate),
    optimizer: PostTrainOptimizerSchema.default(PostTrainOptimizerSchema.parse({})),
    schedule: PostTrainScheduleSchema.default(PostTrainScheduleSchema.parse({})),
    /** TrainingArguments num_train_epochs 3. */
    epochs: z.number().int().positive().default(3),
    /** Stops after this many optimizer updates even if epochs remain (TrainingArguments max_steps, off by default). */
    maxSteps: z.number().int().positive().optional(),
    /** TrainingArguments per_device_train_batch_size 8. */
    batchSize: z.number().int().positive().default(8),
    /**
     * Gradient accumulation: each update's batch is run as this many equal micro-batches whose gradients are
     * averaged (TrainingArguments gradient_accumulation_steps, with batchSize the whole update's batch).
     */
    microBatches: PretrainConfigSchema.shape.microBatches,
    /** TRL SFTConfig / DPOConfig / RewardConfig max_length 1024 (tokens per sequence, prompt included). */
    maxLength: z.number().int().positive().default(1024),
    /** TrainingArguments seed 42. */
    seed: z.number().int().min(0).default(42),
    /** Execution provider and threads, as for pretraining. */
    runtime: PretrainConfigSchema.shape.runtime,
    /** TRL logging_steps 10. */
    logEvery: z.number().int().positive().default(10),
    /** TrainingArguments eval_steps falls back to logging_steps; evaluation is cheap at this scale, so the save interval. */
    evalEvery: z.number().int().positive().default(500),
    /** TrainingArguments save_steps 500. */
    saveEvery: z.number().int().positive().default(500),
    /** Step checkpoints kept besides the best one, as for pretraining. */
    keepCheckpoints: PretrainConfigSchema.shape.keepCheckpoints,
    ...monitorShape,
  };
}

export type PostTrainRun = z.output<z.ZodObject<ReturnType<typeof postTrainRunShape>>>;

/** Parses a config object; errors name every bad field (`learningRate: Too small: expected number to be >0`). */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`${source}: invalid config: ${problems}`);
  }
  return result.data;
}
