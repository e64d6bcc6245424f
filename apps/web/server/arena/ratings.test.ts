import { describe, expect, it } from "vitest";
import { parseFastChat, toJsonl, type FastChatBattle } from "./fastchat";
import {
  bootstrapIntervals,
  bradleyTerry,
  leaderboard,
  onlineElo,
  pairTable,
  type RatedBattle,
  type Winner,
} from "./ratings";

const repeat = (modelA: string, modelB: string, winner: Winner, times: number): RatedBattle[] =>
  Array.from({ length: times }, () => ({ modelA, modelB, winner }));

/**
 * Strengths 4 : 2 : 1. Every pair's tally (ties as half a win each) is exactly in the ratio of the strengths,
 * so the likelihood's stationarity equations hold at r = 1000 + 400 log10(strength / geometric mean):
 * A = 1000 + 400 log10 2 = 1120.412, B = 1000, C = 879.588.
 */
const worked: RatedBattle[] = [
  // A 3 wins + 2 ties -> 4, B 1 win + 2 ties -> 2
  ...repeat("A", "B", "model_a", 3),
  ...repeat("B", "A", "model_a", 1),
  ...repeat("A", "B", "tie", 1),
  ...repeat("B", "A", "tie (bothbad)", 1),
  // B 1 win + 2 both-bad -> 2, C 2 both-bad -> 1
  ...repeat("B", "C", "model_a", 1),
  ...repeat("C", "B", "tie (bothbad)", 2),
  // A 4, C 1
  ...repeat("C", "A", "model_b", 4),
  ...repeat("A", "C", "model_b", 1),
];

describe("Bradley-Terry by maximum likelihood", () => {
  it("matches the closed-form solution of a consistent battle set with ties and both-bad", () => {
    const ratings = bradleyTerry(worked);
    expect(ratings.get("A")).toBeCloseTo(1120.412, 2);
    expect(ratings.get("B")).toBeCloseTo(1000, 2);
    expect(ratings.get("C")).toBeCloseTo(879.588, 2);
  });

  it("gives two models a gap of 400 log10(wins / losses), centred on 1000", () => {
    const ratings = bradleyTerry([...repeat("A", "B", "model_a", 7), ...repeat("A", "B", "model_b", 3)]);
    expect(ratings.get("A")).toBeCloseTo(1000 + 73.595, 2);
    expect(ratings.get("B")).toBeCloseTo(1000 - 73.595, 2);
  });

  it("rates only-ties as equal and keeps an unbeaten model finite", () => {
    const ties = bradleyTerry(repeat("A", "B", "tie", 5));
    expect(ties.get("A")).toBeCloseTo(1000, 6);
    const unbeaten = bradleyTerry(repeat("A", "B", "model_a", 3));
    expect(Number.isFinite(unbeaten.get("A"))).toBe(true);
    expect(unbeaten.get("A")!).toBeGreaterThan(1500);
  });

  it("refuses a battle of a model against itself", () => {
    expect(() => bradleyTerry(repeat("A", "A", "tie", 1))).toThrow(/against itself/);
  });
});

describe("bootstrap intervals", () => {
  it("contain the point estimate and shrink as battles grow", () => {
    const small = bootstrapIntervals(worked, { rounds: 100, seed: 7 });
    const large = bootstrapIntervals(Array.from({ length: 10 }, () => worked).flat(), {
      rounds: 100,
      seed: 7,
    });
    for (const model of ["A", "B", "C"]) {
      for (const interval of [small.get(model)!, large.get(model)!]) {
        expect(interval.lower).toBeLessThanOrEqual(interval.rating);
        expect(interval.upper).toBeGreaterThanOrEqual(interval.rating);
      }
      const width = (i: { lower: number; upper: number }) => i.upper - i.lower;
      expect(width(large.get(model)!)).toBeLessThan(width(small.get(model)!) * 0.6);
    }
  });

  it("are reproducible for a seed", () => {
    expect(bootstrapIntervals(worked, { seed: 3 })).toEqual(bootstrapIntervals(worked, { seed: 3 }));
  });
});

describe("online Elo, pairs and the leaderboard", () => {
  it("moves ratings by k = 4 times the surprise, in order", () => {
    const elo = onlineElo([...repeat("A", "B", "model_a", 1), ...repeat("B", "A", "tie", 1)]);
    // after A's win: 1002 / 998; the tie then takes 4 * (0.5 - 0.505756) from A
    expect(elo.get("A")).toBeCloseTo(1001.97698, 4);
    expect(elo.get("B")).toBeCloseTo(998.02302, 4);
  });

  it("counts battles per pair and win rates over decisive battles", () => {
    const table = pairTable(worked);
    expect(table.models).toEqual(["A", "B", "C"]);
    expect(table.battles[0][1]).toBe(6);
    expect(table.battles[1][0]).toBe(6);
    expect(table.winRate[0][1]).toBe(0.75);
    expect(table.winRate[1][0]).toBe(0.25);
    expect(table.winRate[1][2]).toBe(1);
    expect(table.winRate[0][0]).toBeNull();
  });

  it("ranks best first with ranks from the intervals", () => {
    const board = leaderboard(Array.from({ length: 20 }, () => worked).flat());
    expect(board.rows.map((r) => r.model)).toEqual(["A", "B", "C"]);
    expect(board.rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(board.rows[0].battles).toBe(20 * 11);
    expect(board.totalBattles).toBe(20 * 14);
  });
});

describe("FastChat cleaned format", () => {
  const battle: FastChatBattle = {
    model_a: "tiny-sft-v1",
    model_b: "tiny-dpo-v1",
    winner: "tie (bothbad)",
    judge: "user-1",
    conversation_a: [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ],
    conversation_b: [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hey" },
    ],
    turn: 1,
    anony: true,
    tstamp: 1764460800.5,
  };

  it("round-trips through JSONL and reads a JSON array", () => {
    expect(parseFastChat(toJsonl([battle, battle]))).toEqual([battle, battle]);
    expect(parseFastChat(JSON.stringify([battle]))).toEqual([battle]);
  });

  it("names the bad line and field", () => {
    const bad = toJsonl([battle]) + JSON.stringify({ ...battle, winner: "a" }) + "\n";
    expect(() => parseFastChat(bad)).toThrow(/line 2: winner/);
    expect(() => parseFastChat("{")).toThrow(/line 1: not valid JSON/);
    expect(() => parseFastChat(JSON.stringify({ ...battle, model_b: battle.model_a }))).toThrow(/both/);
  });
});
