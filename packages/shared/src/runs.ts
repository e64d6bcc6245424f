import { z } from "zod";
import { JOB_CONFIG_SCHEMAS, ModelConfigInputSchema, TokenizerTrainConfigSchema } from "@rlhf/engine/config";
import { TorchBackendOptionsSchema } from "./torch-backend";

/** Kinds of TrainingRun the trainer can execute; each has one handler in apps/trainer/src/handlers/<kind>.ts. */
export const RUN_KINDS = ["pretrain", "sft", "reward", "dpo", "ppo"] as const;
export const runKindSchema = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof runKindSchema>;

export const RUN_STATUSES = ["PENDING", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export const runStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof runStatusSchema>;
export const isTerminalStatus = (status: RunStatus) =>
  status === "SUCCEEDED" || status === "FAILED" || status === "CANCELLED";

/**
 * Who executes a run: the TypeScript engine, or the PyTorch + TRL backend (torchrun; TORCH_JOB_KINDS only), which
 * reads and writes the same files, so the registry does not care which trained a model.
 */
export const RUN_BACKENDS = ["engine", "torch"] as const;
export const runBackendSchema = z.enum(RUN_BACKENDS);
export type RunBackend = z.infer<typeof runBackendSchema>;

/** Mirrors the ModelKind enum in prisma/schema.prisma (a test keeps them equal). */
export const MODEL_KINDS = ["BASE", "SFT", "REWARD", "POLICY"] as const;
export const modelKindSchema = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof modelKindSchema>;

/** The kind of model each run kind produces. */
export const RUN_OUTPUT_MODEL_KIND = {
  pretrain: "BASE",
  sft: "SFT",
  reward: "REWARD",
  dpo: "POLICY",
  ppo: "POLICY",
} as const satisfies Record<RunKind, ModelKind>;

/** The registry model a run's output joins when its spec names none. */
export const DEFAULT_OUTPUT_MODEL_NAME = {
  pretrain: "base",
  sft: "sft",
  reward: "reward-model",
  dpo: "dpo-policy",
  ppo: "ppo-policy",
} as const satisfies Record<RunKind, string>;

/** The inputs each kind names by id, beyond its snapshot (every kind trains on one). */
export const RUN_INPUTS = {
  pretrain: { baseModel: false, rewardModel: false },
  sft: { baseModel: true, rewardModel: false },
  reward: { baseModel: true, rewardModel: false },
  dpo: { baseModel: true, rewardModel: false },
  ppo: { baseModel: true, rewardModel: true },
} as const satisfies Record<RunKind, { baseModel: boolean; rewardModel: boolean }>;

// Hyper-parameters are the engine's own schemas minus what the platform fills in itself: file paths (base and
// reward checkpoints, data files, tokenizer: resolved from the inputs' ids) and, for pretraining, the vocabulary
// size (the tokenizer trained on the snapshot decides it). The model stays in its input form (no preset
// resolution), so the stored config parses again unchanged when the trainer hands it to the engine.
const platformFilled = { baseCheckpoint: true, data: true } as const;

export const pretrainRunConfigSchema = JOB_CONFIG_SCHEMAS.pretrain
  .omit({ data: true, tokenizer: true })
  .extend({
    model: ModelConfigInputSchema.omit({ vocabSize: true }).prefault({}),
    /** The byte-level BPE tokenizer trained on the snapshot's text.jsonl before pretraining. */
    tokenizer: TokenizerTrainConfigSchema.pick({ vocabSize: true, minFrequency: true }).prefault({}),
  });

/** The config schema of each run kind; a run's `config` column holds the parsed (defaults filled) value. */
export const runConfigSchemas = {
  pretrain: pretrainRunConfigSchema,
  sft: JOB_CONFIG_SCHEMAS.sft.omit(platformFilled),
  reward: JOB_CONFIG_SCHEMAS.reward.omit(platformFilled),
  dpo: JOB_CONFIG_SCHEMAS.dpo.omit(platformFilled),
  ppo: JOB_CONFIG_SCHEMAS.ppo.omit({ ...platformFilled, rewardCheckpoint: true }),
} as const satisfies Record<RunKind, z.ZodType>;
export type RunConfig<K extends RunKind> = z.output<(typeof runConfigSchemas)[K]>;
export type RunConfigInput<K extends RunKind> = z.input<(typeof runConfigSchemas)[K]>;

const idSchema = z.string().trim().min(1);
/** Registry model names: lower-case words joined by '-', '_' or '.', e.g. `tiny-base`, `sft.v2`. */
export const modelNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, "use 1-80 lower-case letters, digits, '.', '_' or '-'");

const specFields = {
  /** The frozen DatasetSnapshot the run trains on. */
  snapshotId: idSchema,
  backend: runBackendSchema.default("engine"),
  /** The torch backend's processes, precision and strategy (ignored by the engine). */
  backendOptions: TorchBackendOptionsSchema.optional(),
  /** The registry model the output joins as a new version; default DEFAULT_OUTPUT_MODEL_NAME[kind]. */
  outputModelName: modelNameSchema.optional(),
};
/** The ModelVersion a post-training run starts from. */
const baseModelVersionId = idSchema;

/**
 * What an admin submits to start a run: the kind, its inputs by id, the backend and the hyper-parameters. The
 * web router validates it, then validateRunInputs (@rlhf/db/runs) checks the inputs can work, then it writes
 * the TrainingRun (createRun in @rlhf/db/runs).
 */
export const runSpecSchemas = {
  pretrain: z.strictObject({
    kind: z.literal("pretrain"),
    ...specFields,
    config: runConfigSchemas.pretrain.prefault({}),
  }),
  sft: z.strictObject({
    kind: z.literal("sft"),
    ...specFields,
    baseModelVersionId,
    config: runConfigSchemas.sft.prefault({}),
  }),
  reward: z.strictObject({
    kind: z.literal("reward"),
    ...specFields,
    baseModelVersionId,
    config: runConfigSchemas.reward.prefault({}),
  }),
  dpo: z.strictObject({
    kind: z.literal("dpo"),
    ...specFields,
    baseModelVersionId,
    config: runConfigSchemas.dpo.prefault({}),
  }),
  ppo: z.strictObject({
    kind: z.literal("ppo"),
    ...specFields,
    baseModelVersionId,
    /** The reward model that scores the policy's samples. */
    rewardModelVersionId: idSchema,
    config: runConfigSchemas.ppo.prefault({}),
  }),
} as const satisfies Record<RunKind, z.ZodType>;
export const runSpecSchema = z.discriminatedUnion("kind", [
  runSpecSchemas.pretrain,
  runSpecSchemas.sft,
  runSpecSchemas.reward,
  runSpecSchemas.dpo,
  runSpecSchemas.ppo,
]);
export type RunSpec = z.output<typeof runSpecSchema>;
export type RunSpecInput = z.input<typeof runSpecSchema>;
export type RunSpecOf<K extends RunKind> = z.output<(typeof runSpecSchemas)[K]>;

/** The BullMQ job payload: a pointer to the TrainingRun row, which holds the config (single source of truth). */
export const trainingJobSchema = z.strictObject({
  runId: z.string().min(1),
  kind: runKindSchema,
});
export type TrainingJob = z.infer<typeof trainingJobSchema>;
