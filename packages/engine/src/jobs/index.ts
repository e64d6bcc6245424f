/**
 * `runJob(kind, config, options)`: the engine's one entry point for training, the same for every kind. It parses the
 * kind's config (config/jobs.ts), builds the objective's task and hands it to the harness (train/harness.ts), which
 * writes everything under `options.workDir` and resumes from it.
 */
import { JOB_CONFIG_SCHEMAS, JOB_KINDS, type JobConfig, type JobKind } from "../config/jobs.js";
import { parseConfig } from "../config/posttrain.js";
import { dpoTask } from "../posttrain/dpo.js";
import { groupTask } from "../posttrain/group-rl.js";
import { ktoTask } from "../posttrain/kto.js";
import { ppoTask } from "../posttrain/ppo.js";
import { rewardTask } from "../posttrain/reward-model.js";
import { sftTask } from "../posttrain/sft.js";
import { postTrainSettings } from "../posttrain/task.js";
import { type HarnessSettings, type TrainTask, runHarness } from "../train/harness.js";
import { pretrainSettings, pretrainTask } from "../train/pretrain.js";
import type { JobOptions, JobResult } from "./types.js";

export * from "./types.js";

type Log = NonNullable<JobOptions["onLog"]>;
type Builder<K extends JobKind> = (
  cfg: JobConfig<K>,
  input: unknown,
  workDir: string,
  log: Log,
) => Promise<{ task: TrainTask<unknown>; settings: HarnessSettings }>;

const BUILDERS: { [K in JobKind]: Builder<K> } = {
  pretrain: async (cfg, input, _workDir, log) => ({
    task: (await pretrainTask(cfg, input, log)) as TrainTask<unknown>,
    settings: pretrainSettings(cfg),
  }),
  sft: async (cfg, input) => ({
    task: (await sftTask(cfg, input)) as TrainTask<unknown>,
    settings: postTrainSettings(cfg),
  }),
  reward: async (cfg, input, _workDir, log) => ({
    task: (await rewardTask(cfg, input, log)) as TrainTask<unknown>,
    settings: postTrainSettings(cfg),
  }),
  dpo: async (cfg, input, workDir, log) => ({
    task: (await dpoTask(cfg, input, workDir, log)) as TrainTask<unknown>,
    settings: postTrainSettings(cfg),
  }),
  ppo: async (cfg, input) => ({
    task: (await ppoTask(cfg, input)) as TrainTask<unknown>,
    settings: postTrainSettings(cfg),
  }),
  grpo: async (cfg, input) => ({
    task: (await groupTask("grpo", cfg, input)) as TrainTask<unknown>,
    settings: postTrainSettings(cfg),
  }),
  rloo: async (cfg, input) => ({
    task: (await groupTask("rloo", cfg, input)) as TrainTask<unknown>,
    settings: postTrainSettings(cfg),
  }),
  kto: async (cfg, input, workDir, log) => ({
    task: (await ktoTask(cfg, input, workDir, log)) as TrainTask<unknown>,
    settings: postTrainSettings(cfg),
  }),
};

/**
 * Trains a job of `kind` from `config` (a JSON object whose inputs are file paths) in `options.workDir`. Resolves
 * when the run completes, stops early or is cancelled through `options.signal`; rejects with an Error naming the
 * step when the run diverges or its data or config are invalid.
 */
export async function runJob(kind: JobKind, config: unknown, options: JobOptions): Promise<JobResult> {
  if (!JOB_KINDS.includes(kind))
    throw new Error(`runJob: unknown job kind "${String(kind)}"; expected one of ${JOB_KINDS.join(", ")}`);
  const cfg = parseConfig(JOB_CONFIG_SCHEMAS[kind], config, `${kind} config`);
  const log: Log = options.onLog ?? (() => {});
  const { task, settings } = await (BUILDERS[kind] as Builder<JobKind>)(cfg, config, options.workDir, log);
  return runHarness(task, settings, options);
}
