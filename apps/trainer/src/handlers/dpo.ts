import { baseCheckpoint, postTrainData } from "./posttrain-data";
import type { RunHandler } from "./types";

export const dpoHandler: RunHandler<"dpo"> = {
  async engineConfig(config, inputs, workDir, report) {
    return {
      ...config,
      baseCheckpoint: baseCheckpoint(inputs.baseDir, "dpo"),
      data: postTrainData(inputs.snapshotDir, "dpo", workDir, report),
    };
  },
};
