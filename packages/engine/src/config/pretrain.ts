/**
 * The pretraining run config (`npx engine pretrain --config <file.json>`): model, objective, optimizer, schedule,
 * batches, evaluation, checkpoints and the monitors. Every default is written here once. Pure zod.
 */
import { z } from "zod";
import { monitorShape } from "./harness.js";
import { ModelConfigSchema } from "./model.js";

const positiveInt = z.number().int().positive();

export const OptimizerConfigSchema = z.strictObject({
  name: z.enum(["adamw", "lamb"]).default("adamw"),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.95),
  eps: z.number().positive().default(1e-8),
  /** Decoupled weight decay; norms, biases and (unless decayEmbeddings) embeddings are never decayed. */
  weightDecay: z.number().min(0).default(0.1),
  decayEmbeddings: z.boolean().default(false),
  /** Global-norm gradient clipping threshold. */
  maxGradNorm: z.number().positive().default(1),
});
export type OptimizerConfig = z.output<typeof OptimizerConfigSchema>;

export const PretrainScheduleSchema = z.strictObject({
  lr: z.number().positive().default(1e-3),
  warmupSteps: z.number().int().min(0).default(20),
  decay: z.enum(["cosine", "linear", "constant"]).default("cosine"),
  minLrRatio: z.number().min(0).max(1).default(0.1),
});

export const PretrainConfigSchema = z.strictObject({
  /** Token shards (src/io/shards.ts), read in order as one stream; a seeded share is held out for validation. */
  data: z.strictObject({ shards: z.array(z.string().min(1)).min(1) }),
  /** tokenizer.json saved with every checkpoint (optional: byte-level runs need none). */
  tokenizer: z.string().min(1).optional(),
  model: ModelConfigSchema.default(ModelConfigSchema.parse({})),
  objective: z.enum(["causal_lm", "masked_lm"]).default("causal_lm"),
  /** Masked LM: share of positions predicted (BERT 0.15) and the id of the mask token (default: the last id). */
  maskProbability: z.number().gt(0).max(1).default(0.15),
  maskTokenId: z.number().int().min(0).optional(),
  /**
   * Document masking for packed data, as Llama 3 trains: attention stays inside each document of a window and
   * positions restart at 0 where a document begins, so a packed window computes what its documents would alone.
   * Needs every shard's document boundaries (the .docs companion `engine data prepare` writes); causal LM only.
   */
  documentMasking: z.boolean().default(false),
  /**
   * With documentMasking: whether the position whose target is the first token of the next document is learned.
   * Llama 3 learns it (true, the default; the prediction is made from the previous document alone). false leaves it
   * out of the loss, so a window's loss is exactly the mean of its documents' losses run one by one.
   */
  lossOnDocumentStarts: z.boolean().default(true),
  optimizer: OptimizerConfigSchema.default(OptimizerConfigSchema.parse({})),
  schedule: PretrainScheduleSchema.default(PretrainScheduleSchema.parse({})),
  /** Optimizer updates to make. */
  steps: positiveInt.default(1000),
  /** Sequences per update (each of model.contextLength tokens). */
  batchSize: positiveInt.default(16),
  /** Gradient accumulation: the batch is split into this many micro-batches run one after another. */
  microBatches: positiveInt.default(1),
  /**
   * Updates per session.run through an ONNX Loop (state stays inside ONNX Runtime, which matters on a GPU). Runs
   * never span an evaluation or a checkpoint; a loss spike inside one is reported but its update is not skipped.
   */
  stepsPerRun: positiveInt.default(1),
  validationFraction: z.number().min(0).lt(1).default(0.1),
  evalEvery: positiveInt.default(100),
  /** At most this many validation batches per evaluation (the split can be large). */
  evalBatches: positiveInt.default(20),
  checkpointEvery: positiveInt.default(200),
  /** Step checkpoints kept besides the best one. */
  keepCheckpoints: z.number().int().min(1).default(3),
  ...monitorShape,
  seed: z.number().int().min(0).max(0xffffffff).default(1234),
  runtime: z
    .strictObject({
      executionProvider: z.enum(["cpu", "cuda", "webgpu"]).default("cpu"),
      /** intra-op threads; 0 = one per physical core */
      threads: z.number().int().min(0).default(0),
    })
    .default({ executionProvider: "cpu", threads: 0 }),
  logEvery: positiveInt.default(10),
});

export type PretrainConfigInput = z.input<typeof PretrainConfigSchema>;
export type PretrainConfig = z.output<typeof PretrainConfigSchema>;
