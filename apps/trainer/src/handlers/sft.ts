import { baseCheckpoint, postTrainData } from "./posttrain-data";
import type { RunHandler } from "./types";

export const sftHandler: RunHandler<"sft"> = {
  async engineConfig(config, inputs, workDir, report) {
    return {
      ...config,
      baseCheckpoint: baseCheckpoint(inputs.baseDir, "sft"),
      data: postTrainData(inputs.snapshotDir, "sft", workDir, report),
    };
  },
};
