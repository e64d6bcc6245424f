import { describe, expect, it } from "vitest";
import { canEdit, editDeadline, leaderboard, reviewState, shouldHide } from "./quality";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

describe("shouldHide", () => {
  const policy = { redFlagsToHide: 2 };
  it("hides after enough different people raise a red flag", () => {
    expect(shouldHide([{ userId: "a", flag: "spam" }], policy)).toBe(false);
    expect(
      shouldHide(
        [
          { userId: "a", flag: "spam" },
          { userId: "b", flag: "hate" },
        ],
        policy,
      ),
    ).toBe(true);
  });
  it("counts a person once and ignores flags that are not red", () => {
    expect(
      shouldHide(
        [
          { userId: "a", flag: "spam" },
          { userId: "a", flag: "pii" },
        ],
        policy,
      ),
    ).toBe(false);
    expect(
      shouldHide(
        [
          { userId: "a", flag: "spam" },
          { userId: "b", flag: "off_language" },
        ],
        policy,
      ),
    ).toBe(false);
  });
});

describe("reviewState", () => {
  const policy = { reviewsRequired: 2, minAcceptShare: 0.5 };
  it("stays pending until enough different reviewers have reviewed", () => {
    expect(reviewState([], policy)).toBe("PENDING");
    const twiceBySame = [
      { reviewerId: "r1", verdict: "ACCEPT" as const, createdAt: at(0) },
      { reviewerId: "r1", verdict: "ACCEPT" as const, createdAt: at(1) },
    ];
    expect(reviewState(twiceBySame, policy)).toBe("PENDING");
  });
  it("accepts at the threshold share and rejects below it, using each reviewer's latest verdict", () => {
    const split = [
      { reviewerId: "r1", verdict: "ACCEPT" as const, createdAt: at(0) },
      { reviewerId: "r2", verdict: "REJECT" as const, createdAt: at(0) },
    ];
    expect(reviewState(split, policy)).toBe("ACCEPTED");
    expect(reviewState(split, { ...policy, minAcceptShare: 0.75 })).toBe("REJECTED");
    const changedMind = [...split, { reviewerId: "r1", verdict: "REJECT" as const, createdAt: at(5) }];
    expect(reviewState(changedMind, policy)).toBe("REJECTED");
  });
});

describe("edit window", () => {
  it("allows edits strictly before the deadline", () => {
    const policy = { editWindowMinutes: 30 };
    expect(editDeadline(at(0), policy)).toEqual(at(30));
    expect(canEdit(at(0), at(29), policy)).toBe(true);
    expect(canEdit(at(0), at(30), policy)).toBe(false);
    expect(canEdit(at(0), at(0), { editWindowMinutes: 0 })).toBe(false);
  });
});

describe("leaderboard", () => {
  it("scores by kind and outcome and shares ranks on equal scores", () => {
    const rows = leaderboard([
      { userId: "ann", kind: "answer", outcome: "ACCEPTED" }, // 10
      { userId: "bob", kind: "prompt", outcome: "PENDING" }, // 3
      { userId: "bob", kind: "ranking", outcome: "PENDING" }, // 2
      { userId: "cat", kind: "answer", outcome: "PENDING" }, // 5
      { userId: "dan", kind: "answer", outcome: "HIDDEN" }, // 0
      { userId: "dan", kind: "label", outcome: "REJECTED" }, // 0
    ]);
    expect(rows.map((r) => [r.rank, r.userId, r.score])).toEqual([
      [1, "ann", 10],
      [2, "bob", 5],
      [2, "cat", 5],
      [4, "dan", 0],
    ]);
    expect(rows[1].counts).toEqual({ prompt: 1, answer: 0, ranking: 1, label: 0, review: 0 });
  });
});
