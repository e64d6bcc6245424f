import type { Command } from "commander";
import type { RewardConfigInput } from "../../config/reward.js";
import { registerPostTrainCommand } from "../../posttrain/cli.js";
import { trainRewardModel } from "../../posttrain/reward-model.js";

export function registerRewardCommand(program: Command): void {
  registerPostTrainCommand(
    program,
    "reward",
    "train a reward model on preference pairs or k-wise rankings (Bradley-Terry)",
    (config, hooks) => trainRewardModel(config as RewardConfigInput, hooks),
  );
}
