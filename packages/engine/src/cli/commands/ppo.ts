import type { Command } from "commander";
import type { PpoConfigInput } from "../../config/ppo.js";
import { registerPostTrainCommand } from "../../posttrain/cli.js";
import { trainPpo } from "../../posttrain/ppo.js";

export function registerPpoCommand(program: Command): void {
  registerPostTrainCommand(
    program,
    "ppo",
    "RLHF with PPO against a reward model, KL-penalised toward the starting policy",
    (config, hooks) => trainPpo(config as PpoConfigInput, hooks),
  );
}
