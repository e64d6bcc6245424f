import { baseCheckpoint, postTrainData } from "./posttrain-data";
import type { RunHandler } from "./types";

/** PPO samples answers to the snapshot's prompts and scores them with the run's reward model. */
export const ppoHandler: RunHandler<"ppo"> = {
  async engineConfig(config, inputs, workDir, report) {
    if (!inputs.rewardDir) throw new Error("a ppo run needs a reward model version");
    return {
      ...config,
      baseCheckpoint: baseCheckpoint(inputs.baseDir, "ppo"),
      rewardCheckpoint: inputs.rewardDir,
      data: postTrainData(inputs.snapshotDir, "ppo", workDir, report),
    };
  },
};
