import { baseCheckpoint, postTrainData } from "./posttrain-data";
import type { RunHandler } from "./types";

export const rewardHandler: RunHandler<"reward"> = {
  async engineConfig(config, inputs, workDir, report) {
    return {
      ...config,
      baseCheckpoint: baseCheckpoint(inputs.baseDir, "reward"),
      data: postTrainData(inputs.snapshotDir, "reward", workDir, report),
    };
  },
};
