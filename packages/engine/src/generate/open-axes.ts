/**
 * ONNX models whose sizes stay open (dim_param), built with the engine's static-shape graph IR. The builder runs
 * twice, at two sets of sizes that differ on every open axis; whatever differs between the two graphs depends on
 * those sizes. Reshape and Expand targets are rewritten into size-free forms (Reshape: 0 copies the input's
 * dimension, -1 infers one; Expand: 1 keeps the input's), inputs and outputs get the axes' names, and anything else
 * that depends on a size (a constant mask, a static slice of an open axis) is refused with the model part that
 * built it: a builder that cannot run at other sizes fails at export, not at a size nobody tried.
 */
import type { Constant, Graph, Node, Value } from "../graph/graph.js";
import { toOnnx } from "../onnx/lower.js";

/** Size of each open axis, by the name the ONNX model gives it (e.g. batch_size, sequence_length). */
export type AxisSizes = Record<string, number>;

export function toOnnxWithOpenAxes(
  build: (sizes: AxisSizes) => Graph,
  traces: readonly [AxisSizes, AxisSizes],
  producer?: string,
): Uint8Array {
  const axisNames = axesByTracePair(traces);
  const [a, b] = traces.map(build);
  if (a.nodes.length !== b.nodes.length)
    throw new Error(`open axes: graph ${a.name} has a different structure at different sizes`);
  const constantsA = constantsOf(a);
  const constantsB = constantsOf(b);
  a.nodes.forEach((node, i) => {
    const other = b.nodes[i];
    if (node.op !== other.op || attrsKey(node) !== attrsKey(other))
      fail(node, "the graph has a different structure at different sizes");
    node.inputs.forEach((v, j) => {
      const ca = constantsA.get(v);
      const cb = constantsB.get(other.inputs[j]);
      if (ca && cb && !sameConstant(ca, cb)) node.inputs[j] = sizeFreeTarget(a, node, other, j);
      else if (!ca !== !cb) fail(node, `input ${j} is a constant at one size only`);
    });
  });
  dropUnusedConstants(a);
  const dimNames = new Map<string, (string | null)[]>();
  const name = (where: string, x: readonly number[], y: readonly number[]) =>
    x.map((d, k) => {
      if (d === y[k]) return null;
      const axis = axisNames.get(`${d},${y[k]}`);
      if (!axis)
        throw new Error(`open axes: ${where} has a dimension (${d} vs ${y[k]}) that is no named axis`);
      return axis;
    });
  a.inputs.forEach((v, i) =>
    dimNames.set(v.inputName!, name(`input ${v.inputName}`, v.shape, b.inputs[i].shape)),
  );
  a.outputs.forEach(({ name: out, value }, i) =>
    dimNames.set(out, name(`output ${out}`, value.shape, b.outputs[i].value.shape)),
  );
  return toOnnx(a, producer, dimNames);
}

/** "sizeA,sizeB" -> axis name; every axis must differ between the traces and be told apart from the others. */
function axesByTracePair(traces: readonly [AxisSizes, AxisSizes]): Map<string, string> {
  const names = new Map<string, string>();
  for (const axis of Object.keys(traces[0])) {
    const [x, y] = [traces[0][axis], traces[1][axis]];
    const key = `${x},${y}`;
    if (x === y || names.has(key))
      throw new Error(`open axes: trace sizes of ${axis} (${x}, ${y}) must differ and be unique to it`);
    names.set(key, axis);
  }
  return names;
}

function fail(node: Node, detail: string): never {
  throw new Error(`open axes: ${node.scope ? `${node.scope}: ` : ""}${node.op}: ${detail}`);
}

function constantsOf(g: Graph): Map<Value, Constant> {
  return new Map(g.constants.map((c) => [c.value, c]));
}

function attrsKey(node: Node): string {
  return JSON.stringify(node.attrs, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
}

function sameConstant(x: Constant, y: Constant): boolean {
  if (x.value.shape.join() !== y.value.shape.join()) return false;
  if (x.data === y.data) return true;
  return x.data.length === y.data.length && x.data.every((v: number | bigint, i: number) => v === y.data[i]);
}

/** A shape operand that reproduces `node`'s output at both traced sizes, or an error naming the node. */
function sizeFreeTarget(g: Graph, node: Node, other: Node, slot: number): Value {
  if (slot !== 1 || (node.op !== "Reshape" && node.op !== "Expand"))
    fail(node, `input ${slot} is a constant that depends on an open axis`);
  const [inA, inB] = [node.inputs[0].shape, other.inputs[0].shape];
  const [outA, outB] = [node.outputs[0].shape, other.outputs[0].shape];
  // Expand aligns the input's dimensions to the right (broadcasting); Reshape's 0 copies the one at the same index
  const offset = node.op === "Expand" ? outA.length - inA.length : 0;
  // an open dimension at index k is the input's own when the input has it there, at both traced sizes
  const inputsOwn = (k: number) => inA[k - offset] === outA[k] && inB[k - offset] === outB[k];
  const target = outA.map((d, k) => {
    if (d === outB[k]) return d;
    if (node.op === "Expand") return inputsOwn(k) ? 1 : fail(node, `expands an open axis at dimension ${k}`);
    return inputsOwn(k) ? 0 : -1;
  });
  if (target.filter((d) => d === -1).length > 1)
    fail(node, `reshapes to [${outA}] with more than one open dimension that is not the input's`);
  return g.constant("int64", [target.length], target);
}

/** Constants only the replaced targets used would otherwise be written to the model. */
function dropUnusedConstants(g: Graph): void {
  const used = new Set<Value>([...g.nodes.flatMap((n) => n.inputs), ...g.outputs.map((o) => o.value)]);
  const kept = g.constants.filter((c) => used.has(c.value));
  g.constants.splice(0, g.constants.length, ...kept);
}
