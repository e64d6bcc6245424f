/**
 * The platform's fixed evaluation set, the same for every model so their numbers compare: prompts for sample
 * generations (fixed seeds) and win rates, and short reference texts for held-out perplexity. Snapshots never
 * contain these prompts (the snapshot writer drops them), so no model trains on what it is evaluated on.
 */
export interface EvalPrompt {
  id: string;
  prompt: string;
}

export const EVAL_PROMPTS: readonly EvalPrompt[] = [
  { id: "eval-01", prompt: "What is the capital of France, and why is it famous?" },
  { id: "eval-02", prompt: "Give two tips for sleeping better." },
  { id: "eval-03", prompt: "Explain what a thermometer measures." },
  { id: "eval-04", prompt: "Write one friendly sentence to greet a new colleague." },
  { id: "eval-05", prompt: "Why do leaves change colour in autumn?" },
  { id: "eval-06", prompt: "Name three fruits that are rich in vitamin C." },
  { id: "eval-07", prompt: "How do I boil an egg?" },
  { id: "eval-08", prompt: "Summarise the water cycle in one sentence." },
];

/** Seeds of the sample generations: prompt i is sampled with EVAL_SEEDS[i % EVAL_SEEDS.length]. */
export const EVAL_SEEDS = [11, 23, 37, 41] as const;

export const EVAL_TEXTS: readonly string[] = [
  "The library opens at nine in the morning. Visitors can borrow up to five books for three weeks, and the reading room stays quiet all day.",
  "To make tea, boil fresh water, pour it over the leaves and wait three to five minutes before removing them. Milk and sugar are optional.",
  "A bicycle has two wheels, a frame, pedals and a chain. Turning the pedals moves the chain, which turns the back wheel and pushes the rider forward.",
  "Rain forms when water vapour in the air cools and condenses into droplets. When the droplets grow heavy enough, they fall to the ground.",
  "User: Can you help me plan a short walk?\n\nAssistant: Of course. Pick a park nearby, wear comfortable shoes, bring water and walk for about thirty minutes.",
  "User: What is two plus three?\n\nAssistant: Two plus three is five.",
];

/** How snapshots compare prompts with the evaluation set: case, spacing and punctuation at the ends ignored. */
export function normalizePromptText(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}

const EVAL_PROMPT_KEYS = new Set(EVAL_PROMPTS.map((p) => normalizePromptText(p.prompt)));

/** Whether a conversation's user turns contain an evaluation prompt (such a prompt is kept out of snapshots). */
export function isEvalPrompt(messages: readonly { role: string; content: string }[]): boolean {
  return messages.some((m) => m.role === "user" && EVAL_PROMPT_KEYS.has(normalizePromptText(m.content)));
}
