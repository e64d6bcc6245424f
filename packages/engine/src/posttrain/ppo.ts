/**
 * `engine ppo`: RLHF with PPO (objectives/ppo.ts) as TRL's PPOTrainer runs it. Each iteration:
 *   1. rollouts: `batchSize` prompts, responses sampled from the policy with the KV-cache generator, all rows
 *      decoded together (temperature `temperature`, up to `responseLength` tokens, stopping at end of turn);
 *   2. scores from the reward model at each response's last token (minus `missingEosPenalty` if it never ended),
 *      optionally normalised by running moments and clipped; log-probs (of the tempered sampling distribution,
 *      rollouts.ts) and values of the rollout policy, log-probs of the frozen reference (the starting checkpoint);
 *   3. per-token KL-shaped rewards (k1 or k3), GAE, whitened advantages;
 *   4. `ppoEpochs` passes over the rollouts in `miniBatches` minibatches, clipped policy and value losses;
 *   5. the adaptive KL controller (when configured) moves the coefficient toward its target.
 * The value model is a separate transformer initialised from the reward model (`value_model.*` tensors), so
 * value-loss gradients never move the policy's weights. One harness step (train/harness.ts) is one iteration;
 * the KL coefficient the controller reached and the reward moments are saved in trainer_state.json (`objective`);
 * sampling seeds and minibatch orders derive from (seed, iteration), so a resumed run continues exactly. Held-out
 * prompts (data.validation or validationFraction) are evaluated every evalEvery iterations (rollouts.ts).
 */
import type { PpoConfig } from "../config/ppo.js";
import type { TensorMap } from "../io/safetensors.js";
import type { Graph, Value } from "../graph/graph.js";
import type { Metrics } from "../jobs/types.js";
import { type ParamSpec, parameterSpecs } from "../models/parameters.js";
import type { Params } from "../models/transformer.js";
import { generalizedAdvantages, whiten } from "../objectives/gae.js";
import {
  AdaptiveKlController,
  type RewardMoments,
  klShapedRewards,
  ppoLosses,
  processScores,
  updateMoments,
} from "../objectives/ppo.js";
import { tensor } from "../runtime/session.js";
import type { StepOutcome, TrainTask } from "../train/harness.js";
import { Rng } from "../util/rng.js";
import { PromptRecordSchema, readJsonl } from "./data.js";
import {
  type BaseModel,
  INPUT_IDS,
  SCORE_HEAD,
  VALUE_HEAD,
  VALUE_PREFIX,
  hiddenStates,
  loadBaseModel,
  perTokenScores,
  scoreHeadSpec,
} from "./model.js";
import { type Feeds, PolicyStepRunner } from "./policy-step.js";
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
import type { PostTrainCheckpointConfig } from "./model.js";

const OLD_LOGPROBS = "old_logprobs";
const ADVANTAGES = "advantages";
const OLD_VALUES = "old_values";
const RETURNS = "returns";
const VALUES = "values";

const flat = (rows: number[][]) => Float32Array.from(rows.flat());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The value model's starting weights: the reward model's trunk and score head, renamed (TRL does the same). */
function valueModelFromRewardModel(dir: string, policy: BaseModel["model"]): TensorMap {
  const rm = loadBaseModel(dir);
  if (JSON.stringify(rm.model) !== JSON.stringify(policy))
    throw new Error(
      `rewardCheckpoint ${dir}: its architecture differs from the policy's; the value model is initialised from it`,
    );
  const weights: TensorMap = { [VALUE_HEAD]: rm.weights[SCORE_HEAD] };
  for (const s of parameterSpecs(policy)) weights[VALUE_PREFIX + s.name] = rm.weights[s.name];
  return weights;
}

/** PPO as a harness task: a step is an iteration (rollouts, then ppoEpochs x miniBatches updates). */
export async function ppoTask(cfg: PpoConfig, input: unknown): Promise<TrainTask<Feeds>> {
  const base = loadBaseModel(cfg.baseCheckpoint);
  const model = base.model;
  const T = model.contextLength;
  const B = cfg.batchSize;
  if (B % cfg.miniBatches !== 0)
    throw new Error(`ppo config: batchSize ${B} is not a multiple of miniBatches ${cfg.miniBatches}`);
  const miniRows = B / cfg.miniBatches;
  if (miniRows % cfg.microBatches !== 0)
    throw new Error(
      `ppo config: a minibatch of ${miniRows} rollouts is not a multiple of microBatches ${cfg.microBatches}`,
    );
  const microRows = miniRows / cfg.microBatches;

  const split = splitValidation(cfg, PromptRecordSchema, readJsonl);
  const prompts = tokenizePrompts(split.train, base.tokenizer);
  const heldOut = tokenizePrompts(split.validation, base.tokenizer);
  checkPromptLengths(prompts, cfg.responseLength, T, "data.train");
  checkPromptLengths(heldOut, cfg.responseLength, T, "data.validation");
  const iterations = Math.floor((cfg.totalEpisodes ?? cfg.epochs * prompts.length) / B);
  if (iterations === 0) throw new Error(`ppo config: fewer episodes than one rollout batch of ${B}`);
  const updatesPerIteration = cfg.ppoEpochs * cfg.miniBatches;

  const modelSpecs = parameterSpecs(model);
  const modelNames = modelSpecs.map((s) => s.name);
  const valueSpecs: ParamSpec[] = [
    ...modelSpecs.map((s) => ({ ...s, name: VALUE_PREFIX + s.name, group: `value ${s.group}` })),
    scoreHeadSpec(model, VALUE_HEAD),
  ];
  /** The value model's per-token values over the policy's token ids. */
  const values = (g: Graph, params: Params, ids: Value) => {
    const valueTrunk = Object.fromEntries(modelNames.map((n) => [n, params[VALUE_PREFIX + n]]));
    return g.within("value model", () =>
      perTokenScores(params, hiddenStates(g, model, valueTrunk, ids.shape[0], T, false, ids), VALUE_HEAD),
    );
  };
  const runner = await PolicyStepRunner.create({
    model,
    extraParams: valueSpecs,
    optimizer: cfg.optimizer,
    runtime: cfg.runtime,
    rows: microRows,
    microBatches: cfg.microBatches,
    buildLoss: (rows) => (g, params) => {
      const ids = g.input(INPUT_IDS, "int32", [rows, T]);
      const hidden = hiddenStates(g, model, params, rows, T, false, ids);
      const { loss, ...metrics } = ppoLosses(
        {
          logits: temperedLogits(model, params, hidden, cfg.temperature),
          tokens: g.input(SFT_TARGETS, "int32", [rows, T]),
          mask: g.input(SFT_WEIGHTS, "float32", [rows, T]),
          oldLogprobs: g.input(OLD_LOGPROBS, "float32", [rows, T]),
          advantages: g.input(ADVANTAGES, "float32", [rows, T]),
          values: values(g, params, ids),
          oldValues: g.input(OLD_VALUES, "float32", [rows, T]),
          returns: g.input(RETURNS, "float32", [rows, T]),
        },
        cfg,
      );
      return { loss, outputs: metrics };
    },
  });
  const sampler = await RolloutSampler.create({
    base,
    rows: B,
    temperature: cfg.temperature,
    responseLength: cfg.responseLength,
    runtime: cfg.runtime,
    extraParams: valueSpecs,
    extraOutputs: (g, params, ids) => ({ [VALUES]: values(g, params, ids) }),
  });
  const scorer = await RewardScorer.load(cfg.rewardCheckpoint, B);
  const rewarder: Rewarder = async (r) =>
    (await scorer.scoreSequences(r.sequences)).map((s, i) =>
      cfg.missingEosPenalty !== undefined && !r.ended[i] ? s - cfg.missingEosPenalty : s,
    );
  let klCoef = cfg.klCoef;
  let controller: AdaptiveKlController | null = null;
  let moments: RewardMoments = { count: 0, mean: 0, m2: 0 };

  /** Rollout batch `iteration`: the prompts of the epoch's shuffle, seeds from (seed, iteration). */
  const rollout = (iteration: number, state: Feeds): Promise<Rollouts> => {
    const epoch = Math.floor((iteration * B) / prompts.length);
    const order = new Rng(cfg.seed + epoch).shuffle(prompts.map((_, i) => i));
    const chosen = Array.from({ length: B }, (_, i) => prompts[order[(iteration * B + i) % prompts.length]]);
    return sampler.sample(
      state,
      chosen,
      chosen.map((_, i) => cfg.seed * 1_000_003 + iteration * B + i),
    );
  };

  return {
    kind: "ppo",
    totalSteps: Math.min(iterations, cfg.maxSteps ?? iterations),
    updatesPerStep: updatesPerIteration,
    stepsPerRun: 1,
    groups: runner.groups,
    watchLoss: false,
    start(resume) {
      const objective = resume?.trainerState.objective ?? {};
      klCoef = objective.klCoef ?? cfg.klCoef;
      moments = {
        count: objective.rewardCount ?? 0,
        mean: objective.rewardMean ?? 0,
        m2: objective.rewardM2 ?? 0,
      };
      controller = cfg.adaptiveKl
        ? new AdaptiveKlController(klCoef, cfg.adaptiveKl.target, cfg.adaptiveKl.horizon)
        : null;
      return resume
        ? runner.state(resume.weights, resume.optimizer)
        : runner.state({ ...base.weights, ...valueModelFromRewardModel(cfg.rewardCheckpoint, model) });
    },

    async run(initial, iteration, _count, { lrAt }) {
      const r = await rollout(iteration, initial);
      const rawScores = await rewarder(r);
      if (cfg.normalizeReward) moments = updateMoments(moments, rawScores);
      const scores = processScores(rawScores, cfg.normalizeReward ? moments : null, cfg.rewardClipRange);
      const { rewards, kl } = klShapedRewards(
        r.logprobs,
        r.refLogprobs,
        scores,
        r.mask,
        klCoef,
        cfg.klEstimator,
      );
      const shaped = cfg.whitenRewards ? whiten(rewards, r.mask, false) : rewards;
      const { advantages, returns } = generalizedAdvantages(
        shaped,
        r.extra[VALUES],
        r.mask,
        cfg.gamma,
        cfg.lam,
      );
      const whitened = whiten(advantages, r.mask);
      const perRow = (rows: number[][]) => rows.map((row) => row.reduce((a, b) => a + b, 0));
      const klPerResponse = perRow(kl);
      const sums: Metrics = {};
      let state = initial;
      let loss = 0;
      const groupGradNorms = new Float32Array(runner.groups.length);
      const updateRatios = new Float32Array(runner.groups.length);
      for (let epoch = 0; epoch < cfg.ppoEpochs; epoch++) {
        const order = new Rng(cfg.seed + 7919 * (iteration * cfg.ppoEpochs + epoch + 1)).shuffle(
          Array.from({ length: B }, (_, i) => i),
        );
        for (let m = 0; m < cfg.miniBatches; m++) {
          const update = iteration * updatesPerIteration + epoch * cfg.miniBatches + m;
          const lr = lrAt(update);
          const micro = Array.from({ length: cfg.microBatches }, (_, k) => {
            const rows = order.slice(m * miniRows + k * microRows, m * miniRows + (k + 1) * microRows);
            const pick = (x: number[][]) => tensor("float32", [microRows, T], flat(rows.map((i) => x[i])));
            const mb = selectRows(r.batch, rows);
            return {
              [INPUT_IDS]: tensor("int32", [microRows, T], mb.inputs),
              [SFT_TARGETS]: tensor("int32", [microRows, T], mb.targets),
              [SFT_WEIGHTS]: tensor("float32", [microRows, T], mb.weights),
              [OLD_LOGPROBS]: pick(r.logprobs),
              [ADVANTAGES]: pick(whitened),
              [OLD_VALUES]: pick(r.extra[VALUES]),
              [RETURNS]: pick(returns),
            };
          });
          const result = await runner.step(state, micro, lr, update + 1);
          state = result.next;
          loss += result.loss / updatesPerIteration;
          // The harness refuses the iteration if any of its updates was not finite or too large.
          result.groupGradNorms.forEach((v, i) => (groupGradNorms[i] += v / updatesPerIteration));
          result.updateRatios.forEach((v, i) => (updateRatios[i] = Math.max(updateRatios[i], v)));
          for (const [k, v] of Object.entries({
            ...result.metrics,
            "train/grad_norm": result.gradNorm,
            "train/lr": lr,
          }))
            sums[k] = (sums[k] ?? 0) + v / updatesPerIteration;
        }
      }
      const { "train/grad_norm": gradNorm, ...means } = sums;
      const metrics: Metrics = {
        "objective/kl": mean(klPerResponse),
        "objective/entropy": mean(perRow(r.logprobs.map((row) => row.map((v) => -v)))),
        "objective/non_score_reward": mean(klPerResponse.map((k) => -klCoef * k)),
        "objective/rlhf_reward": mean(scores.map((s, i) => s - klCoef * klPerResponse[i])),
        "objective/scores": mean(rawScores),
        "objective/scores_processed": mean(scores),
        "objective/kl_coef": klCoef,
        "val/num_eos_tokens": r.ended.filter(Boolean).length,
        ...means,
      };
      if (controller) {
        controller.update(metrics["objective/kl"], B);
        klCoef = controller.value;
      }
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
      ? (state) => evaluateRollouts(sampler, state, heldOut, B, rewarder, klCoef, cfg.seed)
      : null,
    exportState: (state) => runner.exportState(state),
    progress: (iteration) => {
      const epoch = Math.floor((iteration * B) / prompts.length);
      const position = (iteration * B) % prompts.length;
      return {
        epoch,
        dataCursor: { seed: cfg.seed >>> 0, epoch, position },
        objective: {
          klCoef,
          rewardCount: moments.count,
          rewardMean: moments.mean,
          rewardM2: moments.m2,
        },
      };
    },
    checkpointFiles: () => ({
      config: { format: "rlhf-engine/ppo", model, run: input } satisfies PostTrainCheckpointConfig,
      tokenizerJson: base.tokenizer.toJSON(),
    }),
    release: async () => {
      await Promise.all([runner.release(), sampler.release(), scorer.release()]);
    },
  };
}
