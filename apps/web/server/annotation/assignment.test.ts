import { describe, expect, it } from "vitest";
import {
  assignmentBlocker,
  canTakeAnotherTask,
  type PoolItem,
  rankCandidates,
  taskExpiry,
} from "./assignment";

const now = new Date("2026-01-01T12:00:00Z");
const policy = { overlap: 2, maxOpenTasksPerUser: 3, taskTtlMinutes: 60 };
const minutes = (m: number) => new Date(now.getTime() + m * 60_000);

function item(id: string, fields: Partial<PoolItem> = {}): PoolItem {
  return { id, createdAt: now, authorIds: [], completions: 0, seenBy: [], assignments: [], ...fields };
}

describe("assignmentBlocker", () => {
  it("never gives authors their own item", () => {
    expect(assignmentBlocker(item("p", { authorIds: ["ann"] }), "ann", policy, now)).toBe("own-item");
    expect(assignmentBlocker(item("p", { authorIds: ["ann"] }), "bob", policy, now)).toBeNull();
  });

  it("never gives an item twice to one person, counting skips as seen", () => {
    expect(assignmentBlocker(item("p", { seenBy: ["ann"] }), "ann", policy, now)).toBe("already-seen");
    const held = item("p", { assignments: [{ userId: "ann", expiresAt: minutes(10) }] });
    expect(assignmentBlocker(held, "ann", policy, now)).toBe("already-assigned");
  });

  it("stops at the overlap, counting completions and live assignments but not expired ones", () => {
    const full = item("p", { completions: 1, assignments: [{ userId: "bob", expiresAt: minutes(1) }] });
    expect(assignmentBlocker(full, "ann", policy, now)).toBe("overlap-reached");
    const expired = item("p", { completions: 1, assignments: [{ userId: "bob", expiresAt: minutes(-1) }] });
    expect(assignmentBlocker(expired, "ann", policy, now)).toBeNull();
    // The expired holder may take it again: expiry returns the task to the pool, not a ban.
    expect(assignmentBlocker(expired, "bob", policy, now)).toBeNull();
  });
});

describe("canTakeAnotherTask", () => {
  it("bounds the live tasks one person holds", () => {
    expect(canTakeAnotherTask(2, policy)).toBe(true);
    expect(canTakeAnotherTask(3, policy)).toBe(false);
  });
});

describe("taskExpiry", () => {
  it("is the time to live after now", () => {
    expect(taskExpiry(now, policy)).toEqual(minutes(60));
  });
});

describe("rankCandidates", () => {
  it("prefers the item closest to its overlap, then the oldest", () => {
    const pool = [
      item("new", { createdAt: minutes(-1) }),
      item("old", { createdAt: minutes(-100) }),
      item("half", { createdAt: minutes(0), completions: 1 }),
    ];
    expect(rankCandidates(pool, "ann", policy, now).map((p) => p.id)).toEqual(["half", "old", "new"]);
  });

  it("leaves out what the person may not get", () => {
    expect(rankCandidates([item("p", { authorIds: ["ann"] })], "ann", policy, now)).toEqual([]);
  });

  it("spreads a pool over many people without breaking overlap, repetition or authorship", () => {
    const users = ["u0", "u1", "u2", "u3", "u4"];
    const pool = Array.from({ length: 6 }, (_, i) => item(`p${i}`, { authorIds: [users[i % users.length]] }));
    const given: { user: string; itemId: string }[] = [];
    // Round-robin requests; each assignment is completed at once, like a fast annotator.
    for (let round = 0; round < 10; round++) {
      for (const user of users) {
        const [best] = rankCandidates(pool, user, policy, now);
        if (!best) continue;
        const index = pool.findIndex((p) => p.id === best.id);
        pool[index] = { ...best, completions: best.completions + 1, seenBy: [...best.seenBy, user] };
        given.push({ user, itemId: best.id });
      }
    }
    expect(given).toHaveLength(pool.length * policy.overlap);
    for (const p of pool) {
      const takers = given.filter((g) => g.itemId === p.id).map((g) => g.user);
      expect(takers).toHaveLength(policy.overlap);
      expect(new Set(takers).size).toBe(takers.length);
      expect(takers).not.toContain(p.authorIds[0]);
    }
  });
});
