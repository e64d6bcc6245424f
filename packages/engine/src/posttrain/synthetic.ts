/**
 * A synthetic alignment task whose ground truth is checkable by code, so post-training progress can be measured
 * without people. A user asks for an object ("ask for the cup"); a well-formed reply is one of a few request
 * templates naming that object; the preferred replies are the polite ones (they say "please" and avoid the rude
 * words). Demonstrations are mostly neutral or rude, so SFT learns the format but not the preference, which is
 * left to the reward model, DPO and PPO.
 */
import type { Rng } from "../util/rng.js";

const OBJECTS = [
  "cup",
  "salt",
  "book",
  "pen",
  "key",
  "map",
  "hat",
  "lamp",
  "bread",
  "plate",
  "spoon",
  "coat",
];
/**
 * How a user asks. Evaluation prompts use phrasings that appear in no training data of any stage (pretraining,
 * SFT, reward model, DPO, KTO, online methods), so an evaluation measures generalisation to unseen prompts.
 */
const ASKS: Record<Split, string[]> = {
  train: ["ask for the", "request the", "get me the"],
  eval: ["fetch the", "bring over the", "find the"],
};

/** Which prompts a generator draws from: the training phrasings or the held-out ones. */
export type Split = "train" | "eval";

/** Reply templates: `#` is the object. */
const POLITE = ["please pass the #.", "could you pass the #, please?", "the #, please."];
const NEUTRAL = ["pass the #.", "i need the #."];
const RUDE = ["give me the # now.", "hand over the #, idiot."];
const RUDE_WORDS = ["now", "idiot"];

export interface SyntheticPrompt {
  object: string;
  text: string;
}

export type Manner = "polite" | "neutral" | "rude";

const TEMPLATES: Record<Manner, string[]> = { polite: POLITE, neutral: NEUTRAL, rude: RUDE };

export function samplePrompt(rng: Rng, split: Split = "train"): SyntheticPrompt {
  const object = OBJECTS[rng.int(OBJECTS.length)];
  const asks = ASKS[split];
  return { object, text: `${asks[rng.int(asks.length)]} ${object}` };
}

export function sampleReply(rng: Rng, prompt: SyntheticPrompt, manner: Manner): string {
  const templates = TEMPLATES[manner];
  return templates[rng.int(templates.length)].replace("#", prompt.object);
}

/**
 * A garbled reply of one of several kinds, so a reward model learns form, not just words: the wrong object,
 * scrambled word order, a cut-off reply, a repeated word, or a dropped character.
 */
export function sampleMalformedReply(rng: Rng, prompt: SyntheticPrompt): string {
  const reply = sampleReply(rng, prompt, (["polite", "neutral", "rude"] as const)[rng.int(3)]);
  const words = reply.split(" ");
  switch (rng.int(5)) {
    case 0: {
      const other = OBJECTS.filter((o) => o !== prompt.object)[rng.int(OBJECTS.length - 1)];
      return reply.replace(prompt.object, other);
    }
    case 1:
      return words.reverse().join(" ");
    case 2:
      return reply.slice(0, 1 + rng.int(reply.length - 2));
    case 3: {
      const i = rng.int(words.length);
      return [...words.slice(0, i + 1), words[i], ...words.slice(i + 1)].join(" ");
    }
    default: {
      const i = rng.int(reply.length);
      return reply.slice(0, i) + reply.slice(i + 1);
    }
  }
}

/** Whether `reply` fills one of the templates with the prompt's object. */
export function isWellFormed(prompt: SyntheticPrompt, reply: string): boolean {
  const trimmed = reply.trim();
  return Object.values(TEMPLATES).some((ts) => ts.some((t) => t.replace("#", prompt.object) === trimmed));
}

/** The ground-truth preference: well-formed, polite, and free of the rude words. */
export function isPreferred(prompt: SyntheticPrompt, reply: string): boolean {
  const words = reply.toLowerCase().split(/[^a-z]+/);
  return (
    isWellFormed(prompt, reply) && words.includes("please") && !RUDE_WORDS.some((w) => words.includes(w))
  );
}

/** Plain sentences of the task's language for pretraining the base model: no chat format, no preference. */
export function pretrainingText(rng: Rng, sentences: number): string {
  const manners: Manner[] = ["polite", "neutral", "rude"];
  const lines: string[] = [];
  for (let i = 0; i < sentences; i++) {
    const prompt = samplePrompt(rng);
    lines.push(rng.int(2) === 0 ? prompt.text : sampleReply(rng, prompt, manners[rng.int(3)]));
  }
  return lines.join("\n");
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** SFT demonstrations: always well-formed, polite only `politeShare` of the time. */
export function demonstrations(
  rng: Rng,
  count: number,
  politeShare: number,
  split: Split = "train",
): { messages: ChatMessage[] }[] {
  return Array.from({ length: count }, () => {
    const prompt = samplePrompt(rng, split);
    const manner: Manner = rng.next() < politeShare ? "polite" : rng.int(2) === 0 ? "neutral" : "rude";
    return {
      messages: [
        { role: "user", content: prompt.text },
        { role: "assistant", content: sampleReply(rng, prompt, manner) },
      ],
    };
  });
}

/**
 * k-wise rankings as annotators would give them: polite (rank 0) over neutral (1) over rude (2) over malformed (3);
 * two responses of the same manner are a tie.
 */
export function rankings(
  rng: Rng,
  count: number,
  split: Split = "train",
): { prompt: string; responses: string[]; ranks: number[] }[] {
  const manners: Manner[] = ["polite", "neutral", "rude"];
  return Array.from({ length: count }, () => {
    const prompt = samplePrompt(rng, split);
    const responses: string[] = [];
    const ranks: number[] = [];
    const k = 2 + rng.int(3);
    for (let i = 0; i < k; i++) {
      const kind = rng.int(4);
      responses.push(
        kind === 3 ? sampleMalformedReply(rng, prompt) : sampleReply(rng, prompt, manners[kind]),
      );
      ranks.push(kind);
    }
    return { prompt: prompt.text, responses, ranks };
  });
}

/** DPO pairs: a polite reply chosen over a neutral or rude one. */
export function preferencePairs(
  rng: Rng,
  count: number,
  split: Split = "train",
): { prompt: string; chosen: string; rejected: string }[] {
  return Array.from({ length: count }, () => {
    const prompt = samplePrompt(rng, split);
    return {
      prompt: prompt.text,
      chosen: sampleReply(rng, prompt, "polite"),
      rejected: sampleReply(rng, prompt, rng.int(2) === 0 ? "neutral" : "rude"),
    };
  });
}

/**
 * KTO's unpaired data as thumbs-up / thumbs-down labels give it: a reply of any manner (or a malformed one) with
 * label true exactly when it is preferred.
 */
export function labelledReplies(
  rng: Rng,
  count: number,
  split: Split = "train",
): { prompt: string; completion: string; label: boolean }[] {
  const manners: Manner[] = ["polite", "neutral", "rude"];
  return Array.from({ length: count }, () => {
    const prompt = samplePrompt(rng, split);
    const kind = rng.int(4);
    const completion =
      kind === 3 ? sampleMalformedReply(rng, prompt) : sampleReply(rng, prompt, manners[kind]);
    return { prompt: prompt.text, completion, label: isPreferred(prompt, completion) };
  });
}

/** Prompts for the online methods (PPO, GRPO, RLOO) and for evaluation. */
export function promptRecords(rng: Rng, count: number, split: Split = "train"): { prompt: string }[] {
  return Array.from({ length: count }, () => ({ prompt: samplePrompt(rng, split).text }));
}

/** The prompt strings two data sets share (the demonstration asserts there are none). */
export function sharedPrompts(a: { prompt: string }[], b: { prompt: string }[]): string[] {
  const seen = new Set(a.map((r) => r.prompt));
  return [...new Set(b.map((r) => r.prompt).filter((p) => seen.has(p)))];
}

/** The object a prompt asks for, so generated replies can be checked against it. */
export function parsePrompt(text: string): SyntheticPrompt {
  const ask = [...ASKS.train, ...ASKS.eval].find((a) => text.startsWith(`${a} `));
  const object = ask ? text.slice(ask.length + 1) : "";
  if (!OBJECTS.includes(object))
    throw new Error(`synthetic task: "${text}" is not one of the task's prompts`);
  return { object, text };
}
