// Arena battles on the database: start (two published models drawn by rules.ts, the same prompt to both),
// continue, regenerate before the vote, vote (one per battle, names revealed after), the leaderboard over the
// counted battles, and FastChat export/import. Every refusal is a TRPCError that says what was wrong, raised
// before anything is written.
import { randomInt } from "node:crypto";
import { TRPCError } from "@trpc/server";
import type { ArenaVote, PrismaClient } from "@rlhf/db";
import { generationParamsSchema } from "@rlhf/shared/generate";
import type { ChatMessage } from "../annotation/content";
import { type FastChatBattle, parseFastChat } from "./fastchat";
import { requestGeneration, stopGeneration } from "./generations";
import { type RatedBattle, leaderboard } from "./ratings";
import {
  type AnswerStatus,
  type Contender,
  MAX_BATTLE_TURNS,
  VOTE_WINNER,
  WINNER_VOTE,
  drawPair,
  exclusionReason,
  leaksName,
} from "./rules";

/** Battles one person may start per hour (ARENA_BATTLES_PER_HOUR overrides). */
const DEFAULT_BATTLES_PER_HOUR = 60;
const ARENA_PARAMS = { temperature: 0.7, topP: 0.95, maxNewTokens: 128 };

const SIDES = ["a", "b"] as const;
type Side = (typeof SIDES)[number];

export const versionName = (modelName: string, version: number) => `${modelName} v${version}`;

/** Published versions with their weights and how many counted battles each has had. */
export async function contenders(prisma: PrismaClient): Promise<Contender[]> {
  const entries = await prisma.arenaEntry.findMany({
    include: { version: { select: { version: true, model: { select: { name: true } } } } },
    orderBy: { publishedAt: "asc" },
  });
  return Promise.all(
    entries.map(async (e) => ({
      versionId: e.versionId,
      name: versionName(e.version.model.name, e.version.version),
      modelName: e.version.model.name,
      weight: e.weight,
      battles: await prisma.arenaBattle.count({
        where: { vote: { not: null }, OR: [{ versionAId: e.versionId }, { versionBId: e.versionId }] },
      }),
    })),
  );
}

function battlesPerHour(): number {
  const value = Number(process.env.ARENA_BATTLES_PER_HOUR ?? DEFAULT_BATTLES_PER_HOUR);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_BATTLES_PER_HOUR;
}

const newParams = () => generationParamsSchema.parse({ ...ARENA_PARAMS, seed: randomInt(2 ** 31 - 1) });

export async function startBattle(prisma: PrismaClient, userId: string, prompt: string) {
  const limit = battlesPerHour();
  const recent = await prisma.arenaBattle.count({
    where: { userId, createdAt: { gt: new Date(Date.now() - 3600_000) } },
  });
  if (recent >= limit)
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `you have started ${recent} battles in the last hour; the limit is ${limit}`,
    });
  let pair: [Contender, Contender];
  try {
    pair = drawPair(await contenders(prisma), Math.random);
  } catch (error) {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: (error as Error).message, cause: error });
  }
  const [a, b] = pair;
  const battle = await prisma.arenaBattle.create({
    data: {
      userId,
      versionAId: a.versionId,
      versionBId: b.versionId,
      modelA: a.name,
      modelB: b.name,
      turns: 1,
    },
  });
  const messages: ChatMessage[] = [{ role: "user", content: prompt }];
  await askBoth(prisma, battle, userId, 1, { a: messages, b: messages });
  return battleView(prisma, battle.id, userId);
}

async function askBoth(
  prisma: PrismaClient,
  battle: { id: string; versionAId: string | null; versionBId: string | null },
  userId: string,
  turn: number,
  messages: Record<Side, ChatMessage[]>,
) {
  const params = newParams();
  for (const side of SIDES) {
    const versionId = side === "a" ? battle.versionAId : battle.versionBId;
    if (!versionId)
      throw new TRPCError({ code: "BAD_REQUEST", message: "an imported battle cannot continue" });
    await requestGeneration(prisma, {
      versionId,
      userId,
      messages: messages[side],
      params,
      battleId: battle.id,
      side,
      turn,
    });
  }
}

/** The latest answer of each side per turn (regenerating replaces the last turn's). */
async function latestAnswers(prisma: PrismaClient, battleId: string) {
  const rows = await prisma.generation.findMany({
    where: { battleId },
    orderBy: [{ turn: "asc" }, { createdAt: "asc" }],
  });
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) latest.set(`${row.turn}:${row.side}`, row);
  return [...latest.values()];
}

/** The caller's battle, or a clear refusal: missing, or someone else's. */
async function ownBattle(prisma: PrismaClient, battleId: string, userId: string) {
  const battle = await prisma.arenaBattle.findUnique({ where: { id: battleId } });
  if (!battle) throw new TRPCError({ code: "NOT_FOUND", message: `no battle ${battleId}` });
  if (battle.userId !== userId)
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `battle ${battleId} is not yours; vote on your own battles`,
    });
  return battle;
}

const isFinal = (status: AnswerStatus) => status === "DONE" || status === "STOPPED" || status === "FAILED";

/** What the page shows: turns with both answers; model names only once the vote is in. */
export async function battleView(prisma: PrismaClient, battleId: string, userId: string) {
  const battle = await ownBattle(prisma, battleId, userId);
  const answers = await latestAnswers(prisma, battleId);
  const turns = Array.from({ length: battle.turns }, (_, i) => {
    const of = (side: Side) => answers.find((g) => g.turn === i + 1 && g.side === side);
    const a = of("a");
    const b = of("b");
    const userMessage = (a?.messages as unknown as ChatMessage[] | undefined)?.at(-1)?.content ?? "";
    const answer = (g: typeof a) => g && { generationId: g.id, status: g.status, text: g.text };
    return { turn: i + 1, user: userMessage, a: answer(a), b: answer(b) };
  });
  const voted = battle.vote !== null;
  return {
    id: battle.id,
    turns,
    maxTurns: MAX_BATTLE_TURNS,
    vote: battle.vote,
    finished: answers.every((g) => isFinal(g.status)),
    reveal: voted
      ? { modelA: battle.modelA, modelB: battle.modelB, excludedReason: battle.excludedReason }
      : null,
  };
}

/** The conversation each side has had: the latest answers' prompts plus their answers. */
async function conversations(prisma: PrismaClient, battleId: string): Promise<Record<Side, ChatMessage[]>> {
  const answers = await latestAnswers(prisma, battleId);
  const last = (side: Side) => answers.filter((g) => g.side === side).at(-1)!;
  const of = (side: Side): ChatMessage[] => [
    ...(last(side).messages as unknown as ChatMessage[]),
    { role: "assistant", content: last(side).text },
  ];
  return { a: of("a"), b: of("b") };
}

export async function continueBattle(prisma: PrismaClient, userId: string, battleId: string, prompt: string) {
  const battle = await ownBattle(prisma, battleId, userId);
  if (battle.vote)
    throw new TRPCError({ code: "CONFLICT", message: "this battle has been voted on; start a new one" });
  if (battle.turns >= MAX_BATTLE_TURNS)
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `a battle has at most ${MAX_BATTLE_TURNS} turns; vote now`,
    });
  const answers = await latestAnswers(prisma, battleId);
  if (!answers.every((g) => g.status === "DONE"))
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: "both answers must finish before the next turn",
    });
  const history = await conversations(prisma, battleId);
  const updated = await prisma.arenaBattle.updateMany({
    where: { id: battleId, turns: battle.turns, vote: null },
    data: { turns: battle.turns + 1 },
  });
  if (updated.count === 0)
    throw new TRPCError({ code: "CONFLICT", message: "the battle changed meanwhile; reload it" });
  const next = (side: Side): ChatMessage[] => [...history[side], { role: "user", content: prompt }];
  await askBoth(prisma, battle, userId, battle.turns + 1, { a: next("a"), b: next("b") });
  return battleView(prisma, battleId, userId);
}

/** New answers from both models to the last turn; only before the vote. */
export async function regenerateBattle(prisma: PrismaClient, userId: string, battleId: string) {
  const battle = await ownBattle(prisma, battleId, userId);
  if (battle.vote)
    throw new TRPCError({ code: "CONFLICT", message: "regenerate is allowed only before the vote" });
  const last = (await latestAnswers(prisma, battleId)).filter((g) => g.turn === battle.turns);
  for (const g of last) if (!isFinal(g.status)) await stopGeneration(prisma, g.id);
  const messages = Object.fromEntries(
    SIDES.map((side) => [side, last.find((g) => g.side === side)!.messages as unknown as ChatMessage[]]),
  ) as Record<Side, ChatMessage[]>;
  await askBoth(prisma, battle, userId, battle.turns, messages);
  return battleView(prisma, battleId, userId);
}

export async function voteOnBattle(prisma: PrismaClient, userId: string, battleId: string, vote: ArenaVote) {
  const battle = await ownBattle(prisma, battleId, userId);
  if (battle.vote)
    throw new TRPCError({ code: "CONFLICT", message: `you already voted on battle ${battleId}` });
  const answers = await latestAnswers(prisma, battleId);
  if (answers.length < 2 || !answers.every((g) => isFinal(g.status)))
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "both answers must finish before you vote" });
  const history = await conversations(prisma, battleId);
  const names = [battle.modelA, battle.modelB].flatMap((n) => [n, n.replace(/ v\d+$/, "")]);
  const texts = [...history.a, ...history.b].map((m) => m.content);
  const excludedReason = exclusionReason(
    answers.map((g) => g.status),
    leaksName(texts, names),
  );
  const voted = await prisma.arenaBattle.updateMany({
    where: { id: battleId, vote: null },
    data: {
      vote,
      votedAt: new Date(),
      excludedReason,
      conversationA: history.a,
      conversationB: history.b,
      judge: `arena_user_${userId}`,
    },
  });
  if (voted.count === 0)
    throw new TRPCError({ code: "CONFLICT", message: `you already voted on battle ${battleId}` });
  return battleView(prisma, battleId, userId);
}

/** Battles that count, in the order their votes arrived. */
async function ratedBattles(prisma: PrismaClient) {
  return prisma.arenaBattle.findMany({
    where: { vote: { not: null }, excludedReason: null },
    orderBy: [{ votedAt: "asc" }, { id: "asc" }],
  });
}

export async function arenaLeaderboard(prisma: PrismaClient) {
  const battles: RatedBattle[] = (await ratedBattles(prisma)).map((b) => ({
    modelA: b.modelA,
    modelB: b.modelB,
    winner: VOTE_WINNER[b.vote!],
  }));
  const excluded = await prisma.arenaBattle.count({
    where: { vote: { not: null }, excludedReason: { not: null } },
  });
  return { ...leaderboard(battles), excluded };
}

export async function exportBattles(prisma: PrismaClient): Promise<FastChatBattle[]> {
  return (await ratedBattles(prisma)).map((b) => ({
    question_id: b.id,
    model_a: b.modelA,
    model_b: b.modelB,
    winner: VOTE_WINNER[b.vote!],
    judge: b.judge ?? "",
    conversation_a: b.conversationA as unknown as FastChatBattle["conversation_a"],
    conversation_b: b.conversationB as unknown as FastChatBattle["conversation_b"],
    turn: b.turns,
    anony: b.anony,
    ...(b.language && { language: b.language }),
    tstamp: b.votedAt!.getTime() / 1000,
  }));
}

/** Adds the battles of a FastChat file; all or nothing (the first bad record is named). */
export async function importBattles(prisma: PrismaClient, text: string): Promise<{ imported: number }> {
  let records: FastChatBattle[];
  try {
    records = parseFastChat(text);
  } catch (error) {
    throw new TRPCError({ code: "BAD_REQUEST", message: (error as Error).message, cause: error });
  }
  const result = await prisma.arenaBattle.createMany({
    data: records.map((r) => ({
      modelA: r.model_a,
      modelB: r.model_b,
      vote: WINNER_VOTE[r.winner],
      votedAt: new Date(r.tstamp * 1000),
      judge: r.judge,
      conversationA: r.conversation_a,
      conversationB: r.conversation_b,
      turns: r.turn,
      anony: r.anony,
      language: r.language ?? null,
      source: "import",
    })),
  });
  return { imported: result.count };
}
