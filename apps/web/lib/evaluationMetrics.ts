import { EVALUATION_METRICS as M, type ModelKind } from "@rlhf/shared";

type Format = "number" | "percent" | "tokens";

/** How the model pages name and format each evaluation metric, in the order they show them. */
export const EVALUATION_LABELS: { name: string; label: string; format: Format }[] = [
  { name: M.validationPerplexity, label: "Perplexity, snapshot validation split", format: "number" },
  { name: M.evalSetPerplexity, label: "Perplexity, platform evaluation set", format: "number" },
  { name: M.validationNll, label: "NLL (nats/token), validation split", format: "number" },
  { name: M.evalSetNll, label: "NLL (nats/token), evaluation set", format: "number" },
  { name: M.rewardAccuracy, label: "Reward model accuracy, held-out pairs", format: "percent" },
  { name: M.rewardPairs, label: "Held-out preference pairs", format: "number" },
  { name: M.winRate, label: "Win rate against the parent", format: "percent" },
  { name: M.lengthControlledWinRate, label: "Length-controlled win rate", format: "percent" },
  { name: M.meanLength, label: "Mean response length", format: "tokens" },
  { name: M.parentMeanLength, label: "Parent's mean response length", format: "tokens" },
  { name: M.klToParent, label: "KL to the parent (nats)", format: "number" },
];

const LABELS = new Map(EVALUATION_LABELS.map((entry) => [entry.name, entry]));

export function metricLabel(name: string): string {
  return LABELS.get(name)?.label ?? name;
}

export function formatMetric(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  switch (LABELS.get(name)?.format) {
    case "percent":
      return `${(value * 100).toFixed(1)}%`;
    case "tokens":
      return `${value.toFixed(1)} tokens`;
    default:
      return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  }
}

/** Known metrics first, in the pages' order, then any others by name. */
export function orderMetrics(names: string[]): string[] {
  const known = EVALUATION_LABELS.map((entry) => entry.name).filter((name) => names.includes(name));
  return [...known, ...names.filter((name) => !LABELS.has(name)).sort()];
}

/** The few metrics a list shows for a model of each kind, where its evaluation has them. */
const HEADLINES: Record<ModelKind, string[]> = {
  BASE: [M.validationPerplexity, M.evalSetPerplexity],
  SFT: [M.winRate, M.lengthControlledWinRate, M.validationPerplexity],
  REWARD: [M.rewardAccuracy, M.rewardPairs],
  POLICY: [M.winRate, M.lengthControlledWinRate, M.klToParent],
};

export function headlineMetrics(kind: ModelKind, metrics: Record<string, number>): string[] {
  return HEADLINES[kind].filter((name) => metrics[name] !== undefined);
}
