/**
 * Reward functions in code, for GRPO and RLOO on tasks whose answers can be checked (TRL's reward_funcs). A job
 * config names one (`rewardFunction`), so configs stay JSON; a library user registers its own before runJob.
 */
import { isPreferred, isWellFormed, parsePrompt } from "./synthetic.js";

/** The reward of `completion` (decoded, without the end-of-turn token) as the answer to `prompt`. */
export type RewardFunction = (prompt: string, completion: string) => number;

const REGISTRY = new Map<string, RewardFunction>([
  /** The synthetic task's ground truth (synthetic.ts): 1 for a preferred reply, else 0. */
  ["synthetic_preferred", (prompt, reply) => (isPreferred(parsePrompt(prompt), reply) ? 1 : 0)],
  /** 1 for a reply that fills one of the synthetic task's templates with the prompt's object. */
  ["synthetic_well_formed", (prompt, reply) => (isWellFormed(parsePrompt(prompt), reply) ? 1 : 0)],
]);

export function registerRewardFunction(name: string, fn: RewardFunction): void {
  if (REGISTRY.has(name)) throw new Error(`reward function "${name}" is already registered`);
  REGISTRY.set(name, fn);
}

export function rewardFunction(name: string): RewardFunction {
  const fn = REGISTRY.get(name);
  if (!fn)
    throw new Error(`rewardFunction "${name}" is not registered; known: ${[...REGISTRY.keys()].join(", ")}`);
  return fn;
}
