import { z } from "zod";

/** Run kinds the torch backend (python/rlhf_torch) trains; TRL 1.13 has no PPO trainer, so PPO stays on the engine. */
export const TORCH_JOB_KINDS = ["pretrain", "sft", "reward", "dpo", "grpo"] as const;
export type TorchJobKind = (typeof TORCH_JOB_KINDS)[number];

/** ddp: every process holds the model; fsdp: FSDP2 (`fully_shard`) shards parameters, gradients and optimizer state. */
export const TORCH_STRATEGIES = ["ddp", "fsdp"] as const;
/** fp32 runs anywhere; bf16 (autocast, fp32 master weights) and fp16 (loss scaling) need a CUDA GPU. */
export const TORCH_PRECISIONS = ["fp32", "bf16", "fp16"] as const;

/** How a run spec asks for the torch backend: processes on this node (torchrun --nproc_per_node), precision, strategy. */
export const TorchBackendOptionsSchema = z.strictObject({
  processes: z.number().int().min(1).default(1),
  precision: z.enum(TORCH_PRECISIONS).default("fp32"),
  strategy: z.enum(TORCH_STRATEGIES).default("ddp"),
});
export type TorchBackendOptionsInput = z.input<typeof TorchBackendOptionsSchema>;
export type TorchBackendOptions = z.output<typeof TorchBackendOptionsSchema>;
