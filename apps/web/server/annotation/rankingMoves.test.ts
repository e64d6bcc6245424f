import { describe, expect, it } from "vitest";
import { insertAt, joinGroup, moveDown, moveUp, toggleTie } from "./rankingMoves";

describe("ranking moves", () => {
  const strict = [["a"], ["b"], ["c"]];

  it("moves an answer past its neighbour, and not past the ends", () => {
    expect(moveUp(strict, "b")).toEqual([["b"], ["a"], ["c"]]);
    expect(moveDown(strict, "b")).toEqual([["a"], ["c"], ["b"]]);
    expect(moveUp(strict, "a")).toBe(strict);
    expect(moveDown(strict, "c")).toBe(strict);
  });

  it("leaves a tie first when moving out of it", () => {
    const tied = [["a"], ["b", "c"]];
    expect(moveUp(tied, "c")).toEqual([["a"], ["c"], ["b"]]);
    expect(moveDown(tied, "b")).toEqual([["a"], ["c"], ["b"]]);
  });

  it("ties with the answer above (the one below at the top) and unties downwards", () => {
    expect(toggleTie(strict, "c")).toEqual([["a"], ["b", "c"]]);
    expect(toggleTie(strict, "a")).toEqual([["b", "a"], ["c"]]);
    expect(toggleTie([["a"], ["b", "c"]], "b")).toEqual([["a"], ["c"], ["b"]]);
    expect(toggleTie([["a", "b"]], "a")).toEqual([["b"], ["a"]]);
  });

  it("joins a group or opens a new one where an answer is dropped", () => {
    expect(joinGroup(strict, "a", 2)).toEqual([["b"], ["c", "a"]]);
    expect(insertAt(strict, "c", 0)).toEqual([["c"], ["a"], ["b"]]);
    expect(insertAt([["a", "b"], ["c"]], "b", 2)).toEqual([["a"], ["c"], ["b"]]);
  });

  it("names an unknown answer", () => {
    expect(() => moveUp(strict, "z")).toThrow(/no answer z/);
  });
});
