/**
 * One gradient rule per differentiable op. A rule receives the forward node, the gradients of its outputs (null where
 * no gradient flows) and which inputs need a gradient; it returns one gradient (or null) per input, built from the
 * same op constructors, so backward graphs are ordinary ONNX too.
 */
import { numel } from "../graph/dtype.js";
import type { Node, Value } from "../graph/graph.js";
import * as op from "../graph/ops.js";

export type GradRule = (node: Node, gradOutputs: (Value | null)[], needs: boolean[]) => (Value | null)[];

/** Sums a broadcast gradient back down to `shape`. */
export function sumTo(grad: Value, shape: readonly number[]): Value {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++)
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  const reduced = axes.length ? op.reduceSum(grad, axes, true) : grad;
  return op.reshape(reduced, shape);
}

const first = (gys: (Value | null)[]) => gys[0]!;

/**
 * d/dx of tanh-GELU y = x s with s = sigmoid(z), z = x (a + b x^2), a = 2 sqrt(2/pi), b = 0.044715 a
 * (1 + tanh(w) = 2 sigmoid(2w)): dy/dx = s + y (1 - s) (a + 3 b x^2). Reuses the forward output y; 12 element-wise
 * ops where differentiating the nine-op composite took about twice as many.
 */
function fastGeluDerivative(x: Value, y: Value): Value {
  const a = 2 * Math.sqrt(2 / Math.PI);
  const b = 0.044715 * a;
  const x2 = op.mul(x, x);
  const s = op.sigmoid(op.mul(x, op.add(op.mul(x2, b), a)));
  return op.add(s, op.mul(op.mul(y, op.sub(1, s)), op.add(op.mul(x2, 3 * b), a)));
}

/** Gradient of a MatMul operand when the other side was a broadcast matrix: flatten the batch into the rows. */
function matmulGrads(a: Value, b: Value, gy: Value, needs: boolean[]): (Value | null)[] {
  let ga: Value | null = null;
  let gb: Value | null = null;
  if (needs[0]) ga = sumTo(op.matmul(gy, op.transposeLast(b)), a.shape);
  if (needs[1]) {
    if (b.rank === 2 && a.rank > 2) {
      const rows = numel(a.shape.slice(0, -1));
      const a2 = op.reshape(a, [rows, a.shape[a.rank - 1]]);
      const g2 = op.reshape(gy, [rows, gy.shape[gy.rank - 1]]);
      gb = op.matmul(op.transposeLast(a2), g2);
    } else {
      gb = sumTo(op.matmul(op.transposeLast(a), gy), b.shape);
    }
  }
  return [ga, gb];
}

function attrInt(node: Node, name: string): number {
  const a = node.attrs[name];
  if (a?.kind !== "int") throw new Error(`${node.op}: attribute ${name} missing`);
  return a.value;
}

function reductionAxes(node: Node): number[] {
  const x = node.inputs[0];
  if (node.inputs.length < 2) return x.shape.map((_, i) => i);
  const axesConst = x.graph.constants.find((c) => c.value === node.inputs[1]);
  if (!axesConst) throw new Error(`${node.scope}: ${node.op} axes must be a constant to differentiate`);
  return Array.from(axesConst.data as BigInt64Array, (v) => Number(v));
}

/** Gradient of a reduction: broadcast the output gradient back over the reduced axes. */
function unreduce(node: Node, gy: Value): Value {
  const x = node.inputs[0];
  const axes = reductionAxes(node);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return op.expand(op.reshape(gy, kept), x.shape);
}

export const GRAD_RULES: Record<string, GradRule> = {
  Add: ({ inputs: [a, b] }, gys) => [sumTo(first(gys), a.shape), sumTo(first(gys), b.shape)],
  Sub: ({ inputs: [a, b] }, gys, needs) => [
    sumTo(first(gys), a.shape),
    needs[1] ? sumTo(op.neg(first(gys)), b.shape) : null,
  ],
  Mul: ({ inputs: [a, b] }, gys, needs) => [
    needs[0] ? sumTo(op.mul(first(gys), b), a.shape) : null,
    needs[1] ? sumTo(op.mul(first(gys), a), b.shape) : null,
  ],
  Div: ({ inputs: [a, b], outputs: [y] }, gys, needs) => [
    needs[0] ? sumTo(op.div(first(gys), b), a.shape) : null,
    needs[1] ? sumTo(op.neg(op.div(op.mul(first(gys), y), b)), b.shape) : null,
  ],
  Pow: ({ inputs: [a, b], scope }, gys, needs) => {
    if (needs[1]) throw new Error(`${scope}: Pow is differentiable in its base only`);
    return [op.mul(first(gys), op.mul(b, op.pow(a, op.sub(b, 1)))), null];
  },
  Neg: (_n, gys) => [op.neg(first(gys))],
  Identity: (_n, gys) => [first(gys)],
  Exp: ({ outputs: [y] }, gys) => [op.mul(first(gys), y)],
  Log: ({ inputs: [x] }, gys) => [op.div(first(gys), x)],
  Sqrt: ({ outputs: [y] }, gys) => [op.div(op.mul(first(gys), 0.5), y)],
  Tanh: ({ outputs: [y] }, gys) => [op.mul(first(gys), op.sub(1, op.mul(y, y)))],
  FastGelu: ({ inputs: [x], outputs: [y] }, gys) => [op.mul(first(gys), fastGeluDerivative(x, y))],
  Sigmoid: ({ outputs: [y] }, gys) => [op.mul(first(gys), op.mul(y, op.sub(1, y)))],
  Erf: ({ inputs: [x] }, gys) => [
    op.mul(first(gys), op.mul(op.exp(op.neg(op.mul(x, x))), 2 / Math.sqrt(Math.PI))),
  ],
  Cast: ({ inputs: [x] }, gys) => [op.cast(first(gys), x.dtype)],
  MatMul: ({ inputs: [a, b] }, gys, needs) => matmulGrads(a, b, first(gys), needs),
  Transpose: (node, gys) => {
    const perm = node.attrs.perm.value as number[];
    return [
      op.transpose(
        first(gys),
        perm.map((_, i) => perm.indexOf(i)),
      ),
    ];
  },
  Reshape: ({ inputs: [x] }, gys) => [op.reshape(first(gys), x.shape)],
  Unsqueeze: ({ inputs: [x] }, gys) => [op.reshape(first(gys), x.shape)],
  Expand: ({ inputs: [x] }, gys) => [sumTo(first(gys), x.shape)],
  Split: (node, gys) => {
    const axis = attrInt(node, "axis");
    const parts = node.outputs.map((o, i) => gys[i] ?? op.zeros(o.graph, o.shape, o.dtype));
    return [op.concat(parts, axis)];
  },
  Concat: (node, gys, needs) => {
    const axis = attrInt(node, "axis");
    let start = 0;
    return node.inputs.map((x, i) => {
      const s = start;
      start += x.shape[axis];
      return needs[i] ? op.slice(first(gys), axis, s, s + x.shape[axis]) : null;
    });
  },
  Slice: (node, gys) => {
    const x = node.inputs[0];
    const gy = first(gys);
    const axis = reductionAxesOfSlice(node);
    const start = Number(
      (x.graph.constants.find((c) => c.value === node.inputs[1])!.data as BigInt64Array)[0],
    );
    const parts: Value[] = [];
    const padShape = (len: number) => x.shape.map((d, i) => (i === axis ? len : d));
    if (start > 0) parts.push(op.zeros(x.graph, padShape(start), x.dtype));
    parts.push(gy);
    const after = x.shape[axis] - start - gy.shape[axis];
    if (after > 0) parts.push(op.zeros(x.graph, padShape(after), x.dtype));
    return [parts.length === 1 ? gy : op.concat(parts, axis)];
  },
  ReduceSum: (node, gys) => [unreduce(node, first(gys))],
  ReduceMean: (node, gys) => {
    const x = node.inputs[0];
    const count = reductionAxes(node).reduce((n, a) => n * x.shape[a], 1);
    return [op.div(unreduce(node, first(gys)), count)];
  },
  Softmax: ({ outputs: [y] }, gys) => {
    const gy = first(gys);
    return [op.mul(y, op.sub(gy, op.reduceSum(op.mul(gy, y), [-1], true)))];
  },
  LogSoftmax: ({ outputs: [y] }, gys) => {
    const gy = first(gys);
    return [op.sub(gy, op.mul(op.exp(y), op.reduceSum(gy, [-1], true)))];
  },
  LayerNormalization: ({ inputs: [x, w], outputs: [, mean, invStd] }, gys, needs) => {
    const gy = first(gys);
    const xhat = op.mul(op.sub(x, mean), invStd);
    const lead = x.shape.slice(0, -1).map((_, i) => i);
    const g = op.mul(gy, w);
    const gx = needs[0]
      ? op.mul(
          invStd,
          op.sub(
            op.sub(g, op.reduceMean(g, [-1], true)),
            op.mul(xhat, op.reduceMean(op.mul(g, xhat), [-1], true)),
          ),
        )
      : null;
    return [
      gx,
      needs[1] ? op.reduceSum(op.mul(gy, xhat), lead) : null,
      needs[2] ? op.reduceSum(gy, lead) : null,
    ];
  },
  Gather: ({ inputs: [table, indices] }, gys) => {
    const n = numel(indices.shape);
    const width = numel(table.shape.slice(1));
    const rows = op.expand(op.reshape(indices, [n, 1]), [n, width]);
    const updates = op.reshape(first(gys), [n, width]);
    const summed = op.scatterElementsAdd(
      op.zeros(table.graph, [table.shape[0], width], table.dtype),
      rows,
      updates,
      0,
    );
    return [op.reshape(summed, table.shape), null];
  },
  GatherElements: (node, gys) => {
    const [x, indices] = node.inputs;
    return [
      op.scatterElementsAdd(op.zeros(x.graph, x.shape, x.dtype), indices, first(gys), attrInt(node, "axis")),
      null,
    ];
  },
  Where: ({ inputs: [cond, a, b] }, gys, needs) => {
    const gy = first(gys);
    const zero = op.zeros(gy.graph, [], gy.dtype);
    return [
      null,
      needs[1] ? sumTo(op.where(cond, gy, zero), a.shape) : null,
      needs[2] ? sumTo(op.where(cond, zero, gy), b.shape) : null,
    ];
  },
  Sum: ({ inputs }, gys) => inputs.map((x) => sumTo(first(gys), x.shape)),
};

function reductionAxesOfSlice(node: Node): number {
  const x = node.inputs[0];
  const axes = x.graph.constants.find((c) => c.value === node.inputs[3]);
  if (!axes) throw new Error(`${node.scope}: Slice axes must be a constant to differentiate`);
  return Number((axes.data as BigInt64Array)[0]);
}
