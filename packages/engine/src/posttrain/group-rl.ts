/**
 * `engine grpo` and `engine rloo`: online RL without a value model (objectives/grpo.ts), as TRL's GRPOTrainer and
 * RLOOTrainer run it. One harness step:
 *   1. `batchSize / numGenerations` prompts from the epoch's shuffle, each sampled `numGenerations` times at
 *      `temperature` (rollouts.ts: log-probs of that tempered distribution, policy and reference);
 *   2. a reward per response, from a reward model or a reward function in code; GRPO: group-normalised
 *      advantages; RLOO: beta x KL subtracted from the reward, then the leave-one-out baseline;
 *   3. `numIterations` updates over the whole batch (split into `microBatches`) with the clipped objective, plus
 *      GRPO's beta x k3 KL term.
 * Sampling seeds derive from (seed, step), so a resumed run continues exactly. Held-out prompts (data.validation or
 * validationFraction) are evaluated every evalEvery steps: one response each, reward, KL and length.
 */
import type { GrpoConfig } from "../config/grpo.js";
import type { RlooConfig } from "../config/rloo.js";
import type { Metrics } from "../jobs/types.js";
import { groupAdvantages, groupPolicyLoss, leaveOneOutAdvantages, standardise } from "../objectives/grpo.js";
import { tensor } from "../runtime/session.js";
import type { StepOutcome, TrainTask } from "../train/harness.js";
import { Rng } from "../util/rng.js";
import { PromptRecordSchema, readJsonl } from "./data.js";
import { INPUT_IDS, hiddenStates, loadBaseModel } from "./model.js";
import type { PostTrainCheckpointConfig } from "./model.js";
import { type Feeds, PolicyStepRunner } from "./policy-step.js";
import { rewardFunction } from "./reward-functions.js";
import { RewardScorer } from "./reward-model.js";
import {
  type Rewarder,
  RolloutSampler,
  type Rollouts,
  checkPromptLengths,
  evaluateRollouts,
  temperedLogits,
  tokenizePrompts,
} from "./rollouts.js";
import { SFT_TARGETS, SFT_WEIGHTS, selectRows } from "./sft.js";
import { splitValidation } from "./split.js";

const OLD_LOGPROBS = "old_logprobs";
const REF_LOGPROBS = "ref_logprobs";
const ADVANTAGES = "advantages";

type GroupKind = "grpo" | "rloo";
type GroupConfig<K extends GroupKind> = K extends "grpo" ? GrpoConfig : RlooConfig;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export async function groupTask<K extends GroupKind>(
  kind: K,
  cfg: GroupConfig<K>,
  input: unknown,
): Promise<TrainTask<Feeds>> {
  const base = loadBaseModel(cfg.baseCheckpoint);
  const { model, tokenizer } = base;
  const T = model.contextLength;
  const B = cfg.batchSize;
  const G = cfg.numGenerations;
  if (B % G !== 0) throw new Error(`${kind} config: batchSize ${B} is not a multiple of numGenerations ${G}`);
  if (B % cfg.microBatches !== 0)
    throw new Error(`${kind} config: batchSize ${B} is not a multiple of microBatches ${cfg.microBatches}`);
  const promptsPerStep = B / G;
  const microRows = B / cfg.microBatches;

  const split = splitValidation(cfg, PromptRecordSchema, readJsonl);
  const prompts = tokenizePrompts(split.train, tokenizer);
  const heldOut = tokenizePrompts(split.validation, tokenizer);
  checkPromptLengths(prompts, cfg.maxCompletionLength, T, "data.train");
  checkPromptLengths(heldOut, cfg.maxCompletionLength, T, "data.validation");
  const steps = Math.floor((cfg.epochs * prompts.length) / promptsPerStep);
  if (steps === 0)
    throw new Error(
      `${kind} config: fewer prompts than one batch of ${promptsPerStep} prompts x ${G} samples`,
    );
  // GRPO puts the KL in the loss (k3, needs the reference's log-probs); RLOO puts it in the reward.
  const klInLoss = kind === "grpo" && cfg.beta !== 0;
  const lossType = kind === "grpo" ? (cfg as GrpoConfig).lossType : "grpo";

  const runner = await PolicyStepRunner.create({
    model,
    optimizer: cfg.optimizer,
    runtime: cfg.runtime,
    rows: microRows,
    microBatches: cfg.microBatches,
    buildLoss: (rows) => (g, params) => {
      const { loss, ...metrics } = groupPolicyLoss(
        {
          logits: temperedLogits(model, params, hiddenStates(g, model, params, rows, T), cfg.temperature),
          tokens: g.input(SFT_TARGETS, "int32", [rows, T]),
          mask: g.input(SFT_WEIGHTS, "float32", [rows, T]),
          oldLogprobs: g.input(OLD_LOGPROBS, "float32", [rows, T]),
          refLogprobs: klInLoss ? g.input(REF_LOGPROBS, "float32", [rows, T]) : null,
          advantages: g.input(ADVANTAGES, "float32", [rows]),
        },
        {
          epsilon: cfg.epsilon,
          epsilonHigh: cfg.epsilonHigh ?? cfg.epsilon,
          beta: cfg.beta,
          lossType,
          maxCompletionLength: cfg.maxCompletionLength,
        },
      );
      return { loss, outputs: metrics };
    },
  });
  const sampler = await RolloutSampler.create({
    base,
    rows: B,
    temperature: cfg.temperature,
    responseLength: cfg.maxCompletionLength,
    runtime: cfg.runtime,
  });
  const scorer = cfg.rewardCheckpoint ? await RewardScorer.load(cfg.rewardCheckpoint, B) : null;
  const fn = cfg.rewardFunction ? rewardFunction(cfg.rewardFunction) : null;
  const rewarder: Rewarder = async (r) =>
    scorer ? scorer.scoreSequences(r.sequences) : r.texts.map((text, i) => fn!(r.prompts[i].text, text));

  const rollout = (step: number, state: Feeds): Promise<Rollouts> => {
    const epoch = Math.floor((step * promptsPerStep) / prompts.length);
    const order = new Rng(cfg.seed + epoch).shuffle(prompts.map((_, i) => i));
    const chosen = Array.from(
      { length: B },
      (_, i) => prompts[order[(step * promptsPerStep + Math.floor(i / G)) % prompts.length]],
    );
    return sampler.sample(
      state,
      chosen,
      chosen.map((_, i) => cfg.seed * 1_000_003 + step * B + i),
    );
  };

  /** Each response's advantage, and the KL (k1, summed over its tokens) that went into it. */
  const advantagesOf = (r: Rollouts, rewards: number[]) => {
    const kl = r.logprobs.map((row, b) => sum(row.map((lp, t) => lp - r.refLogprobs[b][t])));
    if (kind === "grpo")
      return { advantages: groupAdvantages(rewards, G, (cfg as GrpoConfig).scaleRewards), kl };
    const penalised = rewards.map((s, i) => s - cfg.beta * kl[i]);
    const loo = leaveOneOutAdvantages(penalised, G);
    return { advantages: (cfg as RlooConfig).normalizeAdvantages ? standardise(loo) : loo, kl };
  };

  return {
    kind,
    totalSteps: Math.min(steps, cfg.maxSteps ?? steps),
    updatesPerStep: cfg.numIterations,
    stepsPerRun: 1,
    groups: runner.groups,
    // the surrogate loss has no scale to watch (as PPO's): the non-finite and update-ratio stops still apply
    watchLoss: false,
    start: (resume) => (resume ? runner.state(resume.weights, resume.optimizer) : runner.state(base.weights)),

    async run(initial, step, _count, { lrAt }) {
      const r = await rollout(step, initial);
      const rewards = await rewarder(r);
      const { advantages, kl } = advantagesOf(r, rewards);
      const micro = Array.from({ length: cfg.microBatches }, (_, k) => {
        const rows = Array.from({ length: microRows }, (_, i) => k * microRows + i);
        const mb = selectRows(r.batch, rows);
        const pick = (x: number[][]) =>
          tensor("float32", [microRows, T], Float32Array.from(rows.flatMap((i) => x[i])));
        return {
          [INPUT_IDS]: tensor("int32", [microRows, T], mb.inputs),
          [SFT_TARGETS]: tensor("int32", [microRows, T], mb.targets),
          [SFT_WEIGHTS]: tensor("float32", [microRows, T], mb.weights),
          [OLD_LOGPROBS]: pick(r.logprobs),
          ...(klInLoss ? { [REF_LOGPROBS]: pick(r.refLogprobs) } : {}),
          [ADVANTAGES]: tensor("float32", [microRows], Float32Array.from(rows.map((i) => advantages[i]))),
        };
      });
      // dapo's loss is a mean over every token of the batch, so micro-batches weigh by their tokens
      const weights =
        lossType === "dapo"
          ? micro.map((m) => sum(Array.from(m[SFT_WEIGHTS].data as Float32Array)))
          : undefined;
      let state = initial;
      const sums: Metrics = {};
      let loss = 0;
      const groupGradNorms = new Float32Array(runner.groups.length);
      const updateRatios = new Float32Array(runner.groups.length);
      for (let it = 0; it < cfg.numIterations; it++) {
        const update = step * cfg.numIterations + it;
        const lr = lrAt(update);
        const result = await runner.step(state, micro, lr, update + 1, weights);
        state = result.next;
        loss += result.loss / cfg.numIterations;
        result.groupGradNorms.forEach((v, i) => (groupGradNorms[i] += v / cfg.numIterations));
        result.updateRatios.forEach((v, i) => (updateRatios[i] = Math.max(updateRatios[i], v)));
        for (const [k, v] of Object.entries({ ...result.metrics, grad_norm: result.gradNorm, lr }))
          sums[`train/${k}`] = (sums[`train/${k}`] ?? 0) + v / cfg.numIterations;
      }
      const { "train/grad_norm": gradNorm, ...means } = sums;
      const groups = Array.from({ length: promptsPerStep }, (_, p) => rewards.slice(p * G, (p + 1) * G));
      const groupStd = groups.map((g) => Math.sqrt(sum(g.map((x) => (x - mean(g)) ** 2)) / (G - 1)));
      const metrics: Metrics = {
        ...means,
        "train/reward": mean(rewards),
        "train/reward_std": mean(groupStd),
        "train/frac_reward_zero_std": groupStd.filter((s) => s === 0).length / promptsPerStep,
        "train/objective/kl": mean(kl),
        "train/completions/mean_length": mean(r.lengths),
        "train/completions/clipped_ratio": r.ended.filter((e) => !e).length / B,
      };
      const outcome: StepOutcome = {
        loss,
        gradNorm,
        groupGradNorms,
        updateRatios,
        metrics,
        tokens: r.sequences.reduce((s, q) => s + q.ids.length, 0),
      };
      return { steps: [outcome], next: state };
    },

    evaluate: heldOut.length
      ? (state) => evaluateRollouts(sampler, state, heldOut, B, rewarder, cfg.beta, cfg.seed)
      : null,
    exportState: (state) => runner.exportState(state),
    progress: (step) => {
      const epoch = Math.floor((step * promptsPerStep) / prompts.length);
      const position = (step * promptsPerStep) % prompts.length;
      return { epoch, dataCursor: { seed: cfg.seed >>> 0, epoch, position }, objective: {} };
    },
    checkpointFiles: () => ({
      config: { format: `rlhf-engine/${kind}`, model, run: input } satisfies PostTrainCheckpointConfig,
      tokenizerJson: tokenizer.toJSON(),
    }),
    release: async () => {
      await Promise.all([runner.release(), sampler.release(), scorer?.release()]);
    },
  };
}
