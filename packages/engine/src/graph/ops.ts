/**
 * Op constructors: each checks its operands' shapes and dtypes, names the failing model part when they do not fit,
 * and appends one ONNX-level node. Gradient rules for these ops live in autodiff/rules.ts, one per op.
 */
import { type DType, type HostArray, ONNX_DTYPE_CODE, formatShape, isFloat, numel } from "./dtype.js";
import type { Graph, Value } from "./graph.js";

type Operand = Value | number;

function graphOf(...xs: Operand[]): Graph {
  for (const x of xs) if (typeof x !== "number") return x.graph;
  throw new Error("an op needs at least one tensor operand");
}

function lift(x: Operand, like: Value): Value {
  return typeof x === "number" ? like.graph.scalar(x, like.dtype) : x;
}

function normalizeAxis(g: Graph, op: string, x: Value, axis: number): number {
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a >= x.rank) g.fail(op, [x.shape], `axis ${axis} out of range for rank ${x.rank}`);
  return a;
}

export function broadcastShapes(g: Graph, op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) g.fail(op, [a, b], `dimensions ${da} and ${db} do not broadcast`);
    out.push(Math.max(da, db));
  }
  return out;
}

function sameDtype(g: Graph, op: string, a: Value, b: Value): void {
  if (a.dtype !== b.dtype) g.fail(op, [a.shape, b.shape], `dtypes differ: ${a.dtype} and ${b.dtype}`);
}

function binary(op: string, x: Operand, y: Operand, outDtype?: DType): Value {
  const g = graphOf(x, y);
  const a = typeof x === "number" ? lift(x, y as Value) : x;
  const b = typeof y === "number" ? lift(y, a) : y;
  sameDtype(g, op, a, b);
  return g.node(
    op,
    [a, b],
    [{ dtype: outDtype ?? a.dtype, shape: broadcastShapes(g, op, a.shape, b.shape) }],
  )[0];
}

export const add = (a: Operand, b: Operand) => binary("Add", a, b);
export const sub = (a: Operand, b: Operand) => binary("Sub", a, b);
export const mul = (a: Operand, b: Operand) => binary("Mul", a, b);
export const div = (a: Operand, b: Operand) => binary("Div", a, b);
export const pow = (a: Value, b: Operand) => binary("Pow", a, b);
export const max = (a: Operand, b: Operand) => binary("Max", a, b);
export const min = (a: Operand, b: Operand) => binary("Min", a, b);
export const equal = (a: Operand, b: Operand) => binary("Equal", a, b, "bool");
export const greater = (a: Operand, b: Operand) => binary("Greater", a, b, "bool");
export const less = (a: Operand, b: Operand) => binary("Less", a, b, "bool");

function unary(op: string, x: Value, floatOnly = true): Value {
  if (floatOnly && !isFloat(x.dtype)) x.graph.fail(op, [x.shape], `needs a float tensor, got ${x.dtype}`);
  return x.graph.node(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0];
}

export const neg = (x: Value) => unary("Neg", x);
export const exp = (x: Value) => unary("Exp", x);
export const log = (x: Value) => unary("Log", x);
export const sqrt = (x: Value) => unary("Sqrt", x);
export const tanh = (x: Value) => unary("Tanh", x);
export const sigmoid = (x: Value) => unary("Sigmoid", x);
export const identity = (x: Value) => unary("Identity", x, false);
export const not = (x: Value) => unary("Not", x, false);

/** Erf: ONNX Runtime's CPU kernel is float32 only, so float64 goes through float32 (documented precision loss). */
export function erf(x: Value): Value {
  if (x.dtype === "float32") return unary("Erf", x);
  return cast(unary("Erf", cast(x, "float32")), x.dtype);
}

/**
 * GELU with the tanh approximation (GPT-2's "gelu_new"), x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as ONNX
 * Runtime's fused contrib op FastGelu (float32 only): one kernel instead of nine element-wise passes.
 */
export function fastGelu(x: Value): Value {
  if (x.dtype !== "float32") x.graph.fail("FastGelu", [x.shape], `needs a float32 tensor, got ${x.dtype}`);
  return x.graph.node("FastGelu", [x], [{ dtype: x.dtype, shape: x.shape }], {}, "com.microsoft")[0];
}

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return x.graph.node("Cast", [x], [{ dtype: to, shape: x.shape }], {
    to: { kind: "int", value: ONNX_DTYPE_CODE[to] },
  })[0];
}

/** Batched matrix product with numpy broadcasting of the leading dimensions. */
export function matmul(a: Value, b: Value): Value {
  const g = graphOf(a, b);
  if (a.rank < 2 || b.rank < 2) g.fail("MatMul", [a.shape, b.shape], "both operands need rank >= 2");
  sameDtype(g, "MatMul", a, b);
  const k = a.shape[a.rank - 1];
  if (k !== b.shape[b.rank - 2])
    g.fail("MatMul", [a.shape, b.shape], `inner dimensions ${k} and ${b.shape[b.rank - 2]} differ`);
  const batch = broadcastShapes(g, "MatMul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  return g.node(
    "MatMul",
    [a, b],
    [{ dtype: a.dtype, shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]] }],
  )[0];
}

export function transpose(x: Value, perm: readonly number[]): Value {
  const sorted = [...perm].sort((p, q) => p - q);
  if (perm.length !== x.rank || sorted.some((p, i) => p !== i))
    x.graph.fail("Transpose", [x.shape], `invalid permutation [${perm}]`);
  return x.graph.node("Transpose", [x], [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], {
    perm: { kind: "ints", value: [...perm] },
  })[0];
}

/** Swaps the last two axes. */
export function transposeLast(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

export function reshape(x: Value, shape: readonly number[]): Value {
  if (numel(shape) !== numel(x.shape) || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    x.graph.fail("Reshape", [x.shape], `cannot reshape to ${formatShape(shape)}`);
  }
  return x.graph.node("Reshape", [x, x.graph.int64s(shape)], [{ dtype: x.dtype, shape }])[0];
}

export function unsqueeze(x: Value, axis: number): Value {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  const shape = [...x.shape.slice(0, a), 1, ...x.shape.slice(a)];
  return x.graph.node("Unsqueeze", [x, x.graph.int64s([a])], [{ dtype: x.dtype, shape }])[0];
}

export function expand(x: Value, shape: readonly number[]): Value {
  const out = broadcastShapes(x.graph, "Expand", x.shape, shape);
  if (formatShape(out) !== formatShape(shape))
    x.graph.fail("Expand", [x.shape, shape], "target shape must be the broadcast result");
  return x.graph.node("Expand", [x, x.graph.int64s(shape)], [{ dtype: x.dtype, shape }])[0];
}

export function split(x: Value, axis: number, sizes: readonly number[]): Value[] {
  const a = normalizeAxis(x.graph, "Split", x, axis);
  const total = sizes.reduce((p, q) => p + q, 0);
  if (total !== x.shape[a])
    x.graph.fail("Split", [x.shape], `sizes [${sizes}] do not sum to axis ${a} length ${x.shape[a]}`);
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? s : d)) }));
  return x.graph.node("Split", [x, x.graph.int64s(sizes)], outs, { axis: { kind: "int", value: a } });
}

export function concat(xs: Value[], axis: number): Value {
  const first = xs[0];
  const a = normalizeAxis(first.graph, "Concat", first, axis);
  for (const x of xs) {
    sameDtype(first.graph, "Concat", first, x);
    if (x.rank !== first.rank || x.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      first.graph.fail(
        "Concat",
        xs.map((v) => v.shape),
        `shapes differ outside axis ${a}`,
      );
    }
  }
  const shape = first.shape.map((d, i) => (i === a ? xs.reduce((s, x) => s + x.shape[a], 0) : d));
  return first.graph.node("Concat", xs, [{ dtype: first.dtype, shape }], {
    axis: { kind: "int", value: a },
  })[0];
}

/** x[start:end] along one axis (static bounds). */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const a = normalizeAxis(x.graph, "Slice", x, axis);
  if (start < 0 || end > x.shape[a] || start >= end)
    x.graph.fail("Slice", [x.shape], `range ${start}:${end} invalid on axis ${a}`);
  const g = x.graph;
  const shape = x.shape.map((d, i) => (i === a ? end - start : d));
  return g.node(
    "Slice",
    [x, g.int64s([start]), g.int64s([end]), g.int64s([a])],
    [{ dtype: x.dtype, shape }],
  )[0];
}

function reduce(op: string, x: Value, axes: readonly number[] | null, keepdims: boolean): Value {
  const g = x.graph;
  const ax = (axes ?? x.shape.map((_, i) => i)).map((a) => normalizeAxis(g, op, x, a));
  const shape = keepdims
    ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !ax.includes(i));
  const inputs = axes === null ? [x] : [x, g.int64s(ax)];
  return g.node(op, inputs, [{ dtype: x.dtype, shape }], {
    keepdims: { kind: "int", value: keepdims ? 1 : 0 },
  })[0];
}

/** Sum over `axes` (null: all axes). */
export const reduceSum = (x: Value, axes: readonly number[] | null, keepdims = false) =>
  reduce("ReduceSum", x, axes, keepdims);
export const reduceMean = (x: Value, axes: readonly number[] | null, keepdims = false) =>
  reduce("ReduceMean", x, axes, keepdims);
export const reduceSumSquare = (x: Value, axes: readonly number[] | null, keepdims = false) =>
  reduce("ReduceSumSquare", x, axes, keepdims);

export function softmax(x: Value): Value {
  return x.graph.node("Softmax", [x], [{ dtype: x.dtype, shape: x.shape }], {
    axis: { kind: "int", value: -1 },
  })[0];
}

export function logSoftmax(x: Value): Value {
  return x.graph.node("LogSoftmax", [x], [{ dtype: x.dtype, shape: x.shape }], {
    axis: { kind: "int", value: -1 },
  })[0];
}

/**
 * LayerNormalization over the last axis. The node also returns Mean and InvStdDev for the backward rule; those are
 * float32 even for float64 input in ONNX Runtime, so float64 graphs use the decomposition (exact in double).
 */
export function layerNorm(x: Value, weight: Value, bias: Value, eps: number): Value {
  const g = x.graph;
  const c = x.shape[x.rank - 1];
  if (weight.rank !== 1 || weight.shape[0] !== c || bias.rank !== 1 || bias.shape[0] !== c) {
    g.fail("LayerNormalization", [x.shape, weight.shape, bias.shape], `weight and bias must be [${c}]`);
  }
  if (x.dtype === "float64") {
    const centered = sub(x, reduceMean(x, [-1], true));
    const variance = reduceMean(mul(centered, centered), [-1], true);
    return add(mul(div(centered, sqrt(add(variance, eps))), weight), bias);
  }
  const stats = [...x.shape.slice(0, -1), 1];
  return g.node(
    "LayerNormalization",
    [x, weight, bias],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: x.dtype, shape: stats },
      { dtype: x.dtype, shape: stats },
    ],
    { axis: { kind: "int", value: -1 }, epsilon: { kind: "float", value: eps } },
  )[0];
}

/** Running sum along `axis` (inclusive): [a, b, c] -> [a, a+b, a+b+c]. */
export function cumSum(x: Value, axis: number): Value {
  const a = normalizeAxis(x.graph, "CumSum", x, axis);
  return x.graph.node("CumSum", [x, x.graph.scalar(a, "int64")], [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** Rows of `table` [N, ...] picked by integer `indices` (an embedding lookup). */
export function gather(table: Value, indices: Value): Value {
  if (indices.dtype !== "int32" && indices.dtype !== "int64")
    table.graph.fail(
      "Gather",
      [table.shape, indices.shape],
      `indices must be int32 or int64, got ${indices.dtype}`,
    );
  const shape = [...indices.shape, ...table.shape.slice(1)];
  return table.graph.node("Gather", [table, indices], [{ dtype: table.dtype, shape }], {
    axis: { kind: "int", value: 0 },
  })[0];
}

/** out[i][j] = x[i][indices[i][j]] along `axis` (last by default). */
export function gatherElements(x: Value, indices: Value, axis = -1): Value {
  const a = normalizeAxis(x.graph, "GatherElements", x, axis);
  if (indices.rank !== x.rank)
    x.graph.fail("GatherElements", [x.shape, indices.shape], "indices must have the rank of the data");
  return x.graph.node("GatherElements", [x, indices], [{ dtype: x.dtype, shape: indices.shape }], {
    axis: { kind: "int", value: a },
  })[0];
}

/**
 * data with `updates` added at `indices` along `axis`. ScatterElements is used, not ScatterND: ScatterND's
 * reduction='add' loses updates for repeated indices when ONNX Runtime runs it on more than one thread.
 */
export function scatterElementsAdd(data: Value, indices: Value, updates: Value, axis: number): Value {
  const a = normalizeAxis(data.graph, "ScatterElements", data, axis);
  if (formatShape(indices.shape) !== formatShape(updates.shape))
    data.graph.fail(
      "ScatterElements",
      [indices.shape, updates.shape],
      "indices and updates must have one shape",
    );
  return data.graph.node(
    "ScatterElements",
    [data, indices, updates],
    [{ dtype: data.dtype, shape: data.shape }],
    {
      axis: { kind: "int", value: a },
      reduction: { kind: "string", value: "add" },
    },
  )[0];
}

export function fill(g: Graph, shape: readonly number[], value: number, dtype: DType): Value {
  const data: HostArray =
    dtype === "float64"
      ? Float64Array.of(value)
      : dtype === "float32"
        ? Float32Array.of(value)
        : Int32Array.of(value);
  const valueDtype: DType = dtype === "float64" || dtype === "float32" ? dtype : "int32";
  const out = g.node("ConstantOfShape", [g.int64s(shape)], [{ dtype: valueDtype, shape }], {
    value: { kind: "tensor", value: { dtype: valueDtype, shape: [1], data } },
  })[0];
  return cast(out, dtype);
}

export const zeros = (g: Graph, shape: readonly number[], dtype: DType) => fill(g, shape, 0, dtype);

export function where(cond: Value, a: Value, b: Value): Value {
  const g = cond.graph;
  sameDtype(g, "Where", a, b);
  const shape = broadcastShapes(g, "Where", broadcastShapes(g, "Where", cond.shape, a.shape), b.shape);
  return g.node("Where", [cond, a, b], [{ dtype: a.dtype, shape }])[0];
}

/** Sum of several same-shaped tensors in one node. */
export function sum(xs: Value[]): Value {
  if (xs.length === 1) return xs[0];
  for (const x of xs) sameDtype(xs[0].graph, "Sum", xs[0], x);
  return xs[0].graph.node("Sum", xs, [
    {
      dtype: xs[0].dtype,
      shape: xs.reduce((s, x) => broadcastShapes(x.graph, "Sum", s, x.shape), [] as number[]),
    },
  ])[0];
}
