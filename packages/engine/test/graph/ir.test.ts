import { describe, expect, it } from "vitest";
import { Graph, ShapeError, ops } from "../../src/graph/index.js";
import { toOnnx } from "../../src/onnx/index.js";
import {
  ExecutionProviderUnavailableError,
  Session,
  availableExecutionProviders,
  tensor,
} from "../../src/runtime/index.js";

describe("graph IR", () => {
  it("names the model part, the op and the shapes when shapes do not fit", () => {
    const g = new Graph();
    const a = g.input("a", "float32", [8, 128, 64]);
    const b = g.input("b", "float32", [32, 128]);
    const build = () => g.within("block 3", () => g.within("attention", () => ops.matmul(a, b)));
    expect(build).toThrow(ShapeError);
    expect(build).toThrow(
      "block 3 attention: MatMul [8,128,64] x [32,128]: inner dimensions 64 and 32 differ",
    );
    expect(() => ops.add(a, g.input("c", "float32", [3]))).toThrow(
      "Add [8,128,64] x [3]: dimensions 64 and 3 do not broadcast",
    );
    expect(() => ops.reshape(a, [7, 9])).toThrow("Reshape [8,128,64]: cannot reshape to [7,9]");
    expect(() => g.input("a", "float32", [1])).toThrow("input a declared twice");
  });

  it("lowers to ONNX that ONNX Runtime runs, including outputs that alias inputs and constants", async () => {
    const g = new Graph("lowering");
    const x = g.input("x", "float32", [2, 3]);
    const w = g.constant("float32", [3, 2], [1, 2, 3, 4, 5, 6]);
    g.output("y", ops.add(ops.matmul(x, w), 1));
    g.output("x_again", x);
    g.output("w", w);
    g.output("parts", ops.concat(ops.split(x, 1, [1, 2]).reverse(), 1));
    const session = await Session.create(toOnnx(g), { threads: 1 });
    const out = await session.run({ x: tensor("float32", [2, 3], Float32Array.of(1, 0, 0, 0, 1, 1)) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, 3, 9, 11]);
    expect(Array.from(out.x_again.data as Float32Array)).toEqual([1, 0, 0, 0, 1, 1]);
    expect(out.w.dims).toEqual([3, 2]);
    expect(Array.from(out.parts.data as Float32Array)).toEqual([0, 0, 1, 1, 1, 0]);
    await session.release();
  });

  it("reports an execution provider this install cannot start, by name", async () => {
    const g = new Graph();
    g.output("y", ops.neg(g.input("x", "float32", [1])));
    // This install lists cuda as installable; whether it starts depends on the machine, and either way the answer is clear.
    expect(availableExecutionProviders()).toContain("cpu");
    const started = await Session.create(toOnnx(g), { executionProvider: "cuda" }).then(
      (s) => s.executionProvider,
      (err: Error) => err,
    );
    if (started instanceof Error) {
      expect(started).toBeInstanceOf(ExecutionProviderUnavailableError);
      expect(started.message).toMatch(/^execution provider "cuda" is not available/);
    } else {
      expect(started).toBe("cuda");
    }
  });
});
