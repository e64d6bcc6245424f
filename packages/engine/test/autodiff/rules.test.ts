import { describe, expect, it } from "vitest";
import type { Value } from "../../src/graph/index.js";
import { ops } from "../../src/graph/index.js";
import { GRAD_RULES } from "../../src/autodiff/index.js";
import { type CheckInput, gradCheck } from "./gradcheck.js";

const r = (...shape: number[]): CheckInput => ({ shape });
const pos = (...shape: number[]): CheckInput => ({ shape, positive: true });
const idx64 = (shape: number[], values: number[]): CheckInput => ({
  shape,
  fixed: { dtype: "int64", data: BigInt64Array.from(values.map(BigInt)) },
});

type Case = [name: string, inputs: CheckInput[], build: (x: Value[]) => Value];

// Each op on its own, in float64 where ONNX Runtime has double kernels.
const float64Cases: Case[] = [
  ["Add (broadcast)", [r(2, 3), r(3)], ([a, b]) => ops.add(a, b)],
  ["Sub (broadcast)", [r(2, 1), r(2, 3)], ([a, b]) => ops.sub(a, b)],
  ["Mul (broadcast)", [r(2, 3), r(1, 3)], ([a, b]) => ops.mul(a, b)],
  ["Div", [r(2, 3), pos(2, 3)], ([a, b]) => ops.div(a, b)],
  ["Pow (base)", [pos(2, 3)], ([a]) => ops.pow(a, 3)],
  ["Neg", [r(4)], ([a]) => ops.neg(a)],
  ["Identity", [r(4)], ([a]) => ops.identity(a)],
  ["Exp", [r(2, 2)], ([a]) => ops.exp(a)],
  ["Log", [pos(2, 2)], ([a]) => ops.log(a)],
  ["Sqrt", [pos(2, 2)], ([a]) => ops.sqrt(a)],
  ["Tanh", [r(2, 3)], ([a]) => ops.tanh(a)],
  ["Sigmoid", [r(2, 3)], ([a]) => ops.sigmoid(a)],
  ["MatMul (batched)", [r(2, 2, 3), r(2, 3, 2)], ([a, b]) => ops.matmul(a, b)],
  ["MatMul (broadcast matrix)", [r(2, 2, 3), r(3, 4)], ([a, b]) => ops.matmul(a, b)],
  ["Transpose", [r(2, 3, 2)], ([a]) => ops.transpose(a, [2, 0, 1])],
  ["Reshape", [r(2, 3)], ([a]) => ops.reshape(a, [3, 2])],
  ["Unsqueeze", [r(2, 3)], ([a]) => ops.unsqueeze(a, 1)],
  ["Expand", [r(2, 1, 3)], ([a]) => ops.expand(a, [2, 4, 3])],
  [
    "Split",
    [r(2, 5)],
    ([a]) => {
      const [p, q] = ops.split(a, 1, [2, 3]);
      return ops.add(ops.mul(p, 2), ops.reduceSum(q, [1], true));
    },
  ],
  ["Split (unused output)", [r(2, 5)], ([a]) => ops.split(a, 1, [2, 3])[1]],
  ["Concat", [r(2, 2), r(2, 3)], ([a, b]) => ops.concat([a, b], 1)],
  ["Slice", [r(3, 5)], ([a]) => ops.slice(a, 1, 1, 4)],
  ["ReduceSum", [r(2, 3, 2)], ([a]) => ops.reduceSum(a, [1])],
  ["ReduceMean (keepdims)", [r(2, 3, 2)], ([a]) => ops.reduceMean(a, [0, 2], true)],
  ["Softmax", [r(2, 4)], ([a]) => ops.softmax(a)],
  ["LogSoftmax", [r(2, 4)], ([a]) => ops.logSoftmax(a)],
  ["Gather (repeated indices)", [r(4, 3), idx64([2, 3], [1, 3, 1, 0, 1, 3])], ([t, i]) => ops.gather(t, i)],
  ["GatherElements", [r(3, 4), idx64([3, 1], [2, 0, 3])], ([a, i]) => ops.gatherElements(a, i, 1)],
  [
    "Where",
    [{ shape: [2, 3], fixed: { dtype: "bool", data: Uint8Array.of(1, 0, 1, 1, 0, 0) } }, r(2, 3), r(3)],
    ([c, a, b]) => ops.where(c, a, b),
  ],
  ["Sum", [r(2, 3), r(2, 3), r(3)], ([a, b, c]) => ops.sum([a, b, c])],
  ["LayerNorm (float64 decomposition)", [r(2, 5), r(5), r(5)], ([x, w, b]) => ops.layerNorm(x, w, b, 1e-5)],
];

// ORT has no double kernels for these (Erf; LayerNormalization keeps its statistics in float32 for double).
const float32Cases: Case[] = [
  ["Erf", [r(2, 3)], ([a]) => ops.erf(a)],
  ["FastGelu", [r(2, 3)], ([a]) => ops.fastGelu(ops.mul(a, 2))],
  ["LayerNormalization", [r(3, 6), r(6), r(6)], ([x, w, b]) => ops.layerNorm(x, w, b, 1e-5)],
  ["Cast", [r(2, 3)], ([a]) => ops.cast(ops.mul(ops.cast(a, "float64"), 3), "float32")],
];

describe("gradient rules against central finite differences", () => {
  it.each(float64Cases)("%s (float64)", async (_name, inputs, build) => {
    const { maxError, worst } = await gradCheck("float64", inputs, build);
    expect(maxError, worst).toBeLessThan(1e-6);
  });

  it.each(float32Cases)("%s (float32)", async (_name, inputs, build) => {
    const { maxError, worst } = await gradCheck("float32", inputs, build);
    expect(maxError, worst).toBeLessThan(5e-3);
  });

  it("covers every differentiable op with a case", () => {
    const tested = new Set([...float64Cases, ...float32Cases].map(([name]) => name.split(" ")[0]));
    const untested = Object.keys(GRAD_RULES).filter(
      (op) => !tested.has(op) && !(op === "LayerNormalization" && tested.has("LayerNorm")),
    );
    expect(untested).toEqual([]);
  });
});
