// The arena's rules that need no database: drawing two models for a battle, the vote's meaning, and the checks
// that keep a battle out of the ratings.
import type { ArenaVote } from "@rlhf/db";
import type { Winner } from "./ratings";

export interface Contender {
  versionId: string;
  /** shown after the vote and used in ratings: "<model> v<version>" */
  name: string;
  /** the model's registry name, which must not appear in a message (a name leak) */
  modelName: string;
  weight: number;
  battles: number;
}

/** A model with fewer battles than this has its weight multiplied by NEW_MODEL_BOOST (Chatbot Arena does the same). */
export const NEW_MODEL_MIN_BATTLES = 20;
export const NEW_MODEL_BOOST = 4;
/** User turns in one battle. */
export const MAX_BATTLE_TURNS = 5;

const effectiveWeight = (c: Contender) =>
  c.weight * (c.battles < NEW_MODEL_MIN_BATTLES ? NEW_MODEL_BOOST : 1);

/**
 * Two different contenders drawn by weight (the second from the rest), in random order: which one is A is a
 * coin flip of its own, so the first draw's bias toward heavy models does not favour a side.
 */
export function drawPair(contenders: Contender[], random: () => number): [Contender, Contender] {
  const eligible = contenders.filter((c) => effectiveWeight(c) > 0);
  if (eligible.length < 2)
    throw new Error(
      `the arena needs at least two published models; ${eligible.length} ${eligible.length === 1 ? "is" : "are"} published with a positive weight`,
    );
  const pick = (pool: Contender[]) => {
    const total = pool.reduce((sum, c) => sum + effectiveWeight(c), 0);
    let point = random() * total;
    for (const c of pool) {
      point -= effectiveWeight(c);
      if (point < 0) return c;
    }
    return pool[pool.length - 1];
  };
  const first = pick(eligible);
  const second = pick(eligible.filter((c) => c.versionId !== first.versionId));
  return random() < 0.5 ? [first, second] : [second, first];
}

export const VOTE_WINNER: Record<ArenaVote, Winner> = {
  A: "model_a",
  B: "model_b",
  TIE: "tie",
  BOTH_BAD: "tie (bothbad)",
};

export const WINNER_VOTE = Object.fromEntries(Object.entries(VOTE_WINNER).map(([v, w]) => [w, v])) as Record<
  Winner,
  ArenaVote
>;

/** True when a message names either model (case-insensitive): the voter may have known who was who. */
export function leaksName(texts: string[], modelNames: string[]): boolean {
  const names = modelNames.map((n) => n.trim().toLowerCase()).filter((n) => n.length >= 3);
  return texts.some((text) => {
    const lower = text.toLowerCase();
    return names.some((name) => lower.includes(name));
  });
}

export type AnswerStatus = "QUEUED" | "RUNNING" | "DONE" | "STOPPED" | "FAILED";

/** Why a voted battle must not count, or null: a failed answer, a stopped one, or a leaked name. */
export function exclusionReason(statuses: AnswerStatus[], nameLeaked: boolean): string | null {
  if (statuses.includes("FAILED")) return "failed";
  if (statuses.includes("STOPPED")) return "unfinished";
  if (nameLeaked) return "name_leak";
  return null;
}
