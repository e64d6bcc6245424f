import type { ModelKind } from "@rlhf/shared";

export interface CardFacts {
  name: string;
  version: number;
  kind: ModelKind;
  runId: string | null;
  snapshot: { id: string; name: string } | null;
  parent: { name: string; version: number } | null;
  architecture: Record<string, unknown> | null;
  config?: unknown;
}

const KIND_TEXT: Record<ModelKind, string> = {
  BASE: "a base language model (pretrained)",
  SFT: "a supervised fine-tuned (SFT) chat model",
  REWARD: "a reward model (scores an answer to a prompt)",
  POLICY: "a policy aligned with human preferences (DPO or PPO)",
};

/** The generated model card (Markdown); admins edit it afterwards. */
export function modelCard(facts: CardFacts): string {
  const lines = [
    `# ${facts.name} v${facts.version}`,
    "",
    `${facts.name} v${facts.version} is ${KIND_TEXT[facts.kind]}.`,
    "",
    "## Lineage",
    "",
    `- Trained by: ${facts.runId ? `run \`${facts.runId}\`` : "imported, not trained here"}`,
    `- Data: ${facts.snapshot ? `snapshot "${facts.snapshot.name}" (\`${facts.snapshot.id}\`)` : "none recorded"}`,
    `- Parent: ${facts.parent ? `${facts.parent.name} v${facts.parent.version}` : "none (trained from scratch)"}`,
  ];
  if (facts.architecture) {
    lines.push("", "## Architecture", "", "| setting | value |", "| --- | --- |");
    for (const [key, value] of Object.entries(facts.architecture))
      if (value !== undefined) lines.push(`| ${key} | ${String(value)} |`);
  }
  if (facts.config !== undefined)
    lines.push("", "## Hyper-parameters", "", "```json", JSON.stringify(facts.config, null, 2), "```");
  lines.push(
    "",
    "## Evaluation",
    "",
    "Computed automatically after registration; see the model page (held-out perplexity, sample generations and, by kind, reward accuracy or win rate against the parent).",
    "",
    "## Limitations",
    "",
    "A small model trained on a small dataset: expect fluent-looking but unreliable text. Not for production use.",
    "",
  );
  return lines.join("\n");
}
