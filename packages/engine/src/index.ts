// Training infrastructure: file formats, checkpoints, schedules, monitors, batches (pure TypeScript, no onnxruntime).
export * from "./io/safetensors.js";
export * from "./io/shards.js";
export * from "./train/state.js";
export * from "./train/checkpoint.js";
export * from "./train/schedule.js";
export * from "./train/monitors.js";
export * from "./train/batches.js";
export * from "./eval/index.js";
export * from "./scaling/index.js";

// Tokenizers (byte-level BPE, WordPiece, tokenizer.json, chat template) and the data pipeline.
export * from "./tokenizer/index.js";
export * from "./data/index.js";

// Engine core: graph IR, autodiff, ONNX lowering and runtime, models, pretraining objectives, optimizers, the
// training loop (also in a worker thread) and generation.
export * from "./graph/index.js";
export * from "./autodiff/index.js";
export * from "./onnx/index.js";
// (safetensors already exports a Tensor; the runtime's is onnxruntime's, exported as OrtTensor)
export {
  Session,
  tensor,
  scalarTensor,
  availableExecutionProviders,
  ExecutionProviderUnavailableError,
  type ExecutionProvider,
  type RuntimeOptions,
  type Tensor as OrtTensor,
} from "./runtime/index.js";
export * from "./models/index.js";
export * from "./objectives/crossEntropy.js";
export * from "./objectives/pretraining.js";
export * from "./optim/index.js";
export * from "./train/step.js";
export * from "./train/stepRunner.js";
export * from "./train/harness.js";
export type { PretrainCheckpointConfig } from "./train/pretrain.js";
export * from "./generate/index.js";
// Hugging Face model folders both ways: config.json <-> ModelConfig, tokenizer_config.json, transformers' folders.
export * from "./hf/index.js";

// Configs (also the light entry point `@rlhf/engine/config`) and the job API: runJob(kind, config, options) trains
// every kind (pretrain, sft, reward, dpo, ppo) through the one harness.
export * from "./config/index.js";
export * from "./jobs/index.js";
export { RewardScorer } from "./posttrain/reward-model.js";
export { loadBaseModel, type BaseModel, type PostTrainCheckpointConfig } from "./posttrain/model.js";
