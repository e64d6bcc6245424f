// The automatic evaluation of one model version (runs in the trainer's child process). Every number is computed
// on data the model never trained on: the snapshot's validation split (packages/db's split by prompt) and the
// platform's fixed evaluation set (@rlhf/shared EVAL_PROMPTS / EVAL_TEXTS, kept out of every snapshot).
import { RewardScorer, type ChatMessage } from "@rlhf/engine";
import { readCheckpointInfo, validationLines } from "@rlhf/db/runs";
import {
  EVAL_PROMPTS,
  EVAL_SEEDS,
  EVAL_TEXTS,
  EVALUATION_METRICS as M,
  type EvaluationSample,
} from "@rlhf/shared";
import type { EvaluateTask } from "../child/messages";
import { storableText } from "../generate/model-cache";
import type { RunReporter } from "../handlers/types";
import { LanguageModel } from "./language-model";
import { lengthControlledWinRate, mean, preference } from "./statistics";

/** Sampling of the stored generations and of the win-rate answers (the same for every model). */
const SAMPLING = { temperature: 0.7, maxNewTokens: 32 };
/** Held-out snapshot prompts added to the fixed ones for the win rate and KL. */
const MAX_SNAPSHOT_PROMPTS = 8;

export interface EvaluationResult {
  metrics: Record<string, number>;
  samples: EvaluationSample[];
}

type Report = Pick<RunReporter, "log">;
type Reply = Awaited<ReturnType<LanguageModel["reply"]>>;

async function meanNll(model: LanguageModel, texts: readonly string[]): Promise<number> {
  let nll = 0;
  let tokens = 0;
  for (const text of texts) {
    const scored = await model.textNll(text);
    nll += scored.nll;
    tokens += scored.tokens;
  }
  return tokens === 0 ? Number.NaN : nll / tokens;
}

type Line = Record<string, unknown>;
const asMessages = (prompt: unknown): ChatMessage[] =>
  typeof prompt === "string" ? [{ role: "user", content: prompt }] : (prompt as ChatMessage[]);
const lastText = (value: unknown) =>
  typeof value === "string" ? value : ((value as ChatMessage[]).at(-1)?.content ?? "");

function evalPrompts(snapshotDir: string | null): { id: string; messages: ChatMessage[] }[] {
  const fixed = EVAL_PROMPTS.map((p) => ({ id: p.id, messages: asMessages(p.prompt) }));
  if (!snapshotDir) return fixed;
  const held = new Map<string, ChatMessage[]>();
  for (const line of [
    ...validationLines(snapshotDir, "preference.jsonl"),
    ...validationLines(snapshotDir, "sft.jsonl"),
  ]) {
    const messages =
      line.prompt !== undefined ? asMessages(line.prompt) : (line.messages as ChatMessage[]).slice(0, -1);
    held.set(JSON.stringify(messages), messages);
  }
  const extra = [...held.values()].slice(0, MAX_SNAPSHOT_PROMPTS);
  return [...fixed, ...extra.map((messages, i) => ({ id: `snapshot-${i + 1}`, messages }))];
}

async function perplexities(
  model: LanguageModel,
  snapshotDir: string | null,
  metrics: Record<string, number>,
) {
  if (snapshotDir) {
    const texts = validationLines(snapshotDir, "text.jsonl").map((line: Line) => String(line.text));
    if (texts.length > 0) {
      metrics[M.validationNll] = await meanNll(model, texts);
      metrics[M.validationPerplexity] = Math.exp(metrics[M.validationNll]);
    }
  }
  metrics[M.evalSetNll] = await meanNll(model, EVAL_TEXTS);
  metrics[M.evalSetPerplexity] = Math.exp(metrics[M.evalSetNll]);
}

async function samples(model: LanguageModel): Promise<EvaluationSample[]> {
  const out: EvaluationSample[] = [];
  for (const [i, prompt] of EVAL_PROMPTS.entries()) {
    const seed = EVAL_SEEDS[i % EVAL_SEEDS.length];
    const { text } = await model.reply(asMessages(prompt.prompt), { ...SAMPLING, seed });
    out.push({ promptId: prompt.id, prompt: prompt.prompt, seed, text: storableText(text) });
  }
  return out;
}

/** Accuracy of a reward model on the snapshot's held-out preference pairs: chosen strictly above rejected. */
async function rewardAccuracy(task: EvaluateTask, metrics: Record<string, number>, report: Report) {
  const pairs = task.snapshotDir ? validationLines(task.snapshotDir, "preference.jsonl") : [];
  metrics[M.rewardPairs] = pairs.length;
  if (pairs.length === 0) {
    report.log("reward accuracy skipped: the snapshot holds out no preference pairs", "warn");
    return;
  }
  const scorer = await RewardScorer.load(task.modelDir, 1);
  const items = pairs.flatMap((pair) => [
    { prompt: asMessages(pair.prompt), response: lastText(pair.chosen) },
    { prompt: asMessages(pair.prompt), response: lastText(pair.rejected) },
  ]);
  const scores = await scorer.score(items);
  let correct = 0;
  for (let i = 0; i < pairs.length; i++) if (scores[2 * i] > scores[2 * i + 1]) correct++;
  metrics[M.rewardAccuracy] = correct / pairs.length;
}

/**
 * A policy against its parent on the same prompts and seeds: the judge's win rate, its length-controlled form,
 * each side's mean answer length (tokens), and a Monte-Carlo KL(policy || parent) over the policy's own samples.
 */
async function againstParent(
  task: EvaluateTask,
  policy: LanguageModel,
  metrics: Record<string, number>,
  report: Report,
) {
  if (!task.parentDir) return;
  const parent = await LanguageModel.load(task.parentDir);
  try {
    const prompts = evalPrompts(task.snapshotDir);
    const kl: number[] = [];
    const answers: { mine: Reply; theirs: Reply }[] = [];
    for (const [i, prompt] of prompts.entries()) {
      const seed = EVAL_SEEDS[i % EVAL_SEEDS.length];
      const mine = await policy.reply(prompt.messages, { ...SAMPLING, seed });
      const theirs = await parent.reply(prompt.messages, { ...SAMPLING, seed });
      answers.push({ mine, theirs });
      const sample = await policy.reply(prompt.messages, { ...SAMPLING, temperature: 1, seed: seed + 1000 });
      kl.push(
        (await policy.sequenceLogProb(sample.ids, sample.promptLength)) -
          (await parent.sequenceLogProb(sample.ids, sample.promptLength)),
      );
    }
    metrics[M.klToParent] = mean(kl);
    metrics[M.meanLength] = mean(answers.map((a) => a.mine.tokens));
    metrics[M.parentMeanLength] = mean(answers.map((a) => a.theirs.tokens));
    if (!task.judgeDir) {
      report.log("win rate skipped: no reward model is registered to judge it", "warn");
      return;
    }
    const judge = await RewardScorer.load(task.judgeDir, 1);
    // The judge reads the exact tokens each side generated (prompt, answer, closing <|im_end|>), cut at its context.
    const context = readCheckpointInfo(task.judgeDir).contextLength;
    const judged = (side: "mine" | "theirs") =>
      judge.scoreSequences(
        answers.map((a) => {
          const ids = a[side].ids.slice(0, context);
          return { ids, lossMask: ids.map((_, t) => (t >= a[side].promptLength ? 1 : 0)) };
        }),
      );
    const mineScores = await judged("mine");
    const theirScores = await judged("theirs");
    const outcomes = mineScores.map((s, i) => preference(s, theirScores[i]));
    metrics[M.winRate] = mean(outcomes);
    metrics[M.lengthControlledWinRate] = lengthControlledWinRate(
      outcomes,
      answers.map((a) => a.mine.tokens - a.theirs.tokens),
    );
  } finally {
    await parent.release();
  }
}

export async function evaluateModel(task: EvaluateTask, report: Report): Promise<EvaluationResult> {
  const metrics: Record<string, number> = {};
  if (task.modelKind === "REWARD") {
    await rewardAccuracy(task, metrics, report);
    return { metrics, samples: [] };
  }
  const model = await LanguageModel.load(task.modelDir);
  try {
    await perplexities(model, task.snapshotDir, metrics);
    const generated = await samples(model);
    if (task.modelKind !== "BASE") await againstParent(task, model, metrics, report);
    return { metrics, samples: generated };
  } finally {
    await model.release();
  }
}
